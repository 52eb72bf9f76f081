#include "http_response_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <cstdint>
#include <limits>

#include "errors.hpp"

namespace evo::http {
namespace beast_http = boost::beast::http;

ResponseReader::ResponseReader(std::size_t max_header_bytes, std::size_t max_body_bytes)
    : max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {}

// Until the header is complete, every attempt to parse it starts over with a
// fresh parser given everything received so far, in one piece; an attempt is
// made when a blank line arrives (the end of a header, perhaps), past the
// limit, and at the end of the connection. Why: once a Beast parser has run
// out of bytes inside a header, it stops checking line by line and waits for
// the whole header, so bad bytes were caught or not depending on where the
// network split them (the fuzzer found it: "HTTP/1.1 200 OK\r", then
// "\nC\r\n..."). Started over on all the bytes, the verdict depends on the
// bytes alone. Finding the blank line is all we do ourselves; the parsing is
// Beast's.
ResponseReader::Status ResponseReader::feed(std::string_view bytes) {
  if (status_ != Status::need_more) return status_;
  bytes_seen_ += bytes.size();
  buffer_.append(bytes);
  if (!header_done()) {
    bool blank_line = buffer_.find("\r\n\r\n", scanned_) != std::string::npos;
    scanned_ = buffer_.size() < 3 ? 0 : buffer_.size() - 3;  // "\r\n\r\n" may straddle feeds
    if (!blank_line && bytes_seen_ <= max_header_bytes_) return status_;
    start_over();
  }
  return parse();
}

bool ResponseReader::header_done() const noexcept {
  return parser_ && parser_->is_header_done();
}

void ResponseReader::start_over() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(max_header_bytes_, std::numeric_limits<std::uint32_t>::max())));
  parser_->body_limit(std::uint64_t{max_body_bytes_});
  parser_->eager(true);  // one put() parses the header AND as much body as there is
}

// Beast takes what it can parse and tells us to come back with more
// (need_more); whatever it did not take stays in buffer_ for the next feed.
ResponseReader::Status ResponseReader::parse() {
  std::size_t taken = 0;
  while (!parser_->is_done() && taken < buffer_.size()) {
    boost::beast::error_code error;
    std::size_t used =
        parser_->put(boost::asio::buffer(buffer_.data() + taken, buffer_.size() - taken), error);
    taken += used;
    if (error == beast_http::error::need_more) break;
    if (error == beast_http::error::header_limit) return fail_header_limit();
    if (error == beast_http::error::body_limit)
      return fail(errc::bad_response,
                  "body larger than " + std::to_string(max_body_bytes_) + " bytes");
    if (error) return fail(errc::bad_response, "response is not HTTP: " + error.message());
    if (used == 0) break;  // no progress and no complaint: wait for more bytes
  }
  if (!parser_->is_header_done()) {
    // Not a whole header yet: keep every byte for the next fresh start. Every
    // one of them is header, so the limit counts them all.
    if (bytes_seen_ > max_header_bytes_) return fail_header_limit();
    return status_;
  }
  buffer_.erase(0, taken);
  if (parser_->is_done()) status_ = Status::done;
  return status_;
}

ResponseReader::Status ResponseReader::fail_header_limit() {
  return fail(errc::bad_response,
              "header larger than " + std::to_string(max_header_bytes_) + " bytes");
}

// Why connection_failed and not bad_response: what came was valid HTTP as far
// as it went, and then the connection ended. From here we cannot tell a server
// that lied about its Content-Length from a connection that broke; either way
// the answer is cut short by the transport, which is what connection_failed
// means (curl says the same: "transfer closed with bytes remaining to read").
ResponseReader::Status ResponseReader::feed_eof() {
  if (status_ != Status::need_more) return status_;
  if (bytes_seen_ == 0)
    return fail(errc::connection_failed, "the server closed the connection without answering");
  if (!header_done()) {
    start_over();
    if (parse() != Status::need_more) return status_;  // bad bytes, or a header after all
  }
  if (!header_done())
    return fail(errc::connection_failed, "connection closed in the middle of the header");
  boost::beast::error_code error;
  parser_->put_eof(error);  // completes a body that runs until the connection closes
  if (!error) return status_ = Status::done;
  std::string got = std::to_string(parser_->get().body().size());
  if (auto length = parser_->content_length())
    return fail(errc::connection_failed, "connection closed mid-body: got " + got + " of " +
                                             std::to_string(*length) + " bytes");
  return fail(errc::connection_failed, "connection closed mid-body, after " + got + " bytes");
}

Response ResponseReader::take_response() {
  auto& message = parser_->get();
  return {message.result_int(), std::move(message.body())};
}

// A connection may carry the next request only if the server said so, and if
// nothing came after this answer: stray bytes would be read as the start of
// the next answer.
bool ResponseReader::reusable() const noexcept {
  return status_ == Status::done && parser_->keep_alive() && buffer_.empty();
}

ResponseReader::Status ResponseReader::fail(std::error_code error, std::string detail) {
  error_ = error;
  detail_ = std::move(detail);
  return status_ = Status::failed;
}

}  // namespace evo::http
