// Specifies common/http_response_reader: bytes in, in any split, and out comes
// one response or one error with the words a learner needs. No sockets here.
#include "common/http_response_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/errors.hpp"

namespace {

using evo::errc;
using evo::http::ResponseReader;
using Status = ResponseReader::Status;

constexpr std::string_view kHello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

TEST(ResponseReader, ParsesAResponseFedOneByteAtATime) {
  ResponseReader reader(1024, 1024);
  for (std::size_t i = 0; i + 1 < kHello.size(); ++i) {
    ASSERT_EQ(reader.feed(kHello.substr(i, 1)), Status::need_more) << "at byte " << i;
  }
  ASSERT_EQ(reader.feed(kHello.substr(kHello.size() - 1)), Status::done);
  EXPECT_TRUE(reader.reusable());
  auto response = reader.take_response();
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "hello");
}

TEST(ResponseReader, EverySplitPointGivesTheSameResponse) {
  for (std::size_t split = 0; split <= kHello.size(); ++split) {
    ResponseReader reader(1024, 1024);
    reader.feed(kHello.substr(0, split));
    ASSERT_EQ(reader.feed(kHello.substr(split)), Status::done) << "split at " << split;
    EXPECT_EQ(reader.take_response().body, "hello");
  }
}

TEST(ResponseReader, GarbageIsNotHttp) {
  ResponseReader reader(1024, 1024);
  ASSERT_EQ(reader.feed("SSH-2.0-OpenSSH_9.2\r\n\r\n"), Status::failed);
  EXPECT_EQ(reader.error(), errc::bad_response);
  EXPECT_EQ(reader.detail().rfind("response is not HTTP: ", 0), 0u) << reader.detail();
}

// Found by the fuzzer: once Beast had run out of bytes mid-header, it waited
// for the whole header before checking any line, so the same bytes gave
// bad_response or connection_failed depending on where the network split them.
TEST(ResponseReader, TheVerdictDependsOnTheBytesNotOnHowTheyArrive) {
  for (std::string_view bytes : {"HTTP/1.1 200 OK\r\nC\r\nt\"id\":4",
                                 "HTTP/1.1 \r\n{HTTP/1.0 200\" OK\r", "\r\n\r\n\x10.\r1"}) {
    for (std::size_t split = 0; split <= bytes.size(); ++split) {
      ResponseReader reader(1024, 1024);
      reader.feed(bytes.substr(0, split));
      reader.feed(bytes.substr(split));
      ASSERT_EQ(reader.feed_eof(), Status::failed);
      EXPECT_EQ(reader.error(), errc::bad_response) << bytes << " split at " << split;
      EXPECT_EQ(reader.detail().rfind("response is not HTTP: ", 0), 0u) << reader.detail();
    }
  }
}

TEST(ResponseReader, AnEndlessLineStopsAtTheLimit) {
  ResponseReader reader(1024, 1024);
  Status status = reader.feed("HTTP/1.1 200 OK\r\nX-Pad: ");
  for (int i = 0; i < 1000 && status == Status::need_more; ++i) status = reader.feed("aaaaaaaa");
  ASSERT_EQ(status, Status::failed);
  EXPECT_EQ(reader.detail(), "header larger than 1024 bytes");
  EXPECT_LT(reader.bytes_seen(), 1100u);
}

TEST(ResponseReader, AnEndlessHeaderStopsAtTheLimit) {
  ResponseReader reader(1024, 1024);
  Status status = reader.feed("HTTP/1.1 200 OK\r\n");
  for (int i = 0; i < 1000 && status == Status::need_more; ++i)
    status = reader.feed("X-Pad: aaaa\r\n");
  ASSERT_EQ(status, Status::failed);
  EXPECT_EQ(reader.error(), errc::bad_response);
  EXPECT_EQ(reader.detail(), "header larger than 1024 bytes");
  EXPECT_LT(reader.bytes_seen(), 1100u) << "the reader must stop at the limit, not buffer on";
}

TEST(ResponseReader, ABodyOverTheLimitFailsAtItsLength) {
  ResponseReader reader(1024, 1000);
  ASSERT_EQ(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n"), Status::failed);
  EXPECT_EQ(reader.error(), errc::bad_response);
  EXPECT_EQ(reader.detail(), "body larger than 1000 bytes");
}

TEST(ResponseReader, AChunkedBodyOverTheLimitFailsToo) {
  ResponseReader reader(1024, 1000);
  Status status = reader.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "100\r\n" + std::string(256, 'x') + "\r\n";
  for (int i = 0; i < 10 && status == Status::need_more; ++i) status = reader.feed(chunk);
  ASSERT_EQ(status, Status::failed);
  EXPECT_EQ(reader.detail(), "body larger than 1000 bytes");
}

TEST(ResponseReader, EofMidBodySaysHowMuchCame) {
  ResponseReader reader(1024, 1024);
  reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
  ASSERT_EQ(reader.feed_eof(), Status::failed);
  EXPECT_EQ(reader.error(), errc::connection_failed);
  EXPECT_EQ(reader.detail(), "connection closed mid-body: got 5 of 10 bytes");
}

TEST(ResponseReader, EofMidHeaderIsConnectionFailed) {
  ResponseReader reader(1024, 1024);
  reader.feed("HTTP/1.1 200 OK\r\nContent-");
  ASSERT_EQ(reader.feed_eof(), Status::failed);
  EXPECT_EQ(reader.error(), errc::connection_failed);
  EXPECT_EQ(reader.detail(), "connection closed in the middle of the header");
}

TEST(ResponseReader, EofBeforeAnyByteSaysTheServerAnsweredNothing) {
  ResponseReader reader(1024, 1024);
  ASSERT_EQ(reader.feed_eof(), Status::failed);
  EXPECT_EQ(reader.error(), errc::connection_failed);
  EXPECT_EQ(reader.bytes_seen(), 0u);
  EXPECT_EQ(reader.detail(), "the server closed the connection without answering");
}

TEST(ResponseReader, ABodyWithoutLengthEndsAtEof) {
  ResponseReader reader(1024, 1024);
  ASSERT_EQ(reader.feed("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"), Status::need_more);
  ASSERT_EQ(reader.feed_eof(), Status::done);
  EXPECT_FALSE(reader.reusable());
  EXPECT_EQ(reader.take_response().body, "abc");
}

TEST(ResponseReader, BytesAfterTheBodyForbidReuse) {
  ResponseReader reader(1024, 1024);
  ASSERT_EQ(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA"), Status::done);
  EXPECT_FALSE(reader.reusable()) << "the next answer on this connection would start mid-stream";
  EXPECT_EQ(reader.take_response().body, "hi");
}

TEST(ResponseReader, ConnectionCloseForbidsReuse) {
  ResponseReader reader(1024, 1024);
  ASSERT_EQ(reader.feed("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
            Status::done);
  EXPECT_FALSE(reader.reusable());
  EXPECT_EQ(reader.take_response().status, 404u);
}

}  // namespace
