#pragma once
// The response-handling half of the HTTP client, with no socket in sight:
// bytes go in as they arrive (any split, one byte at a time if the network
// says so), and out comes a parsed response or one error with its detail.
// Boost.Beast's parser does the HTTP; this class owns the read buffer it is
// fed from, the limits, and the words a learner reads when something is wrong.
// The libFuzzer target (fuzz/http_response_fuzz.cpp) drives exactly this.
//
// The header is parsed once it is all there (see feed() for why), so a server
// that sends a broken header and then waits is caught by the header limit, the
// end of the connection or the client's deadline, not at its first bad line.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http_client.hpp"

namespace evo::http {

class ResponseReader {
 public:
  enum class Status { need_more, done, failed };

  ResponseReader(std::size_t max_header_bytes, std::size_t max_body_bytes);

  /// Appends bytes read from the socket and parses what it can.
  Status feed(std::string_view bytes);
  /// The peer closed its side. A response without a length ends here; any
  /// other response that is not complete yet has been cut short.
  Status feed_eof();

  Status status() const noexcept { return status_; }
  /// Once done: the response (moved out), and whether the server lets us reuse
  /// the connection (HTTP/1.1 keep-alive, and no stray bytes after the body).
  Response take_response();
  bool reusable() const noexcept;

  /// Once failed: errc::bad_response or errc::connection_failed, and why.
  std::error_code error() const noexcept { return error_; }
  const std::string& detail() const noexcept { return detail_; }
  /// How many bytes arrived: zero means the server answered nothing at all.
  std::size_t bytes_seen() const noexcept { return bytes_seen_; }

 private:
  Status fail(std::error_code error, std::string detail);
  Status fail_header_limit();
  Status parse();
  bool header_done() const noexcept;
  void start_over();

  using Parser = boost::beast::http::response_parser<boost::beast::http::string_body>;
  std::optional<Parser> parser_;  // made afresh until the header is complete (see feed)
  std::string buffer_;            // received, not yet taken by the parser
  std::size_t max_header_bytes_;
  std::size_t max_body_bytes_;
  std::size_t scanned_ = 0;  // buffer_ has no "\r\n\r\n" before this offset
  std::size_t bytes_seen_ = 0;
  Status status_ = Status::need_more;
  std::error_code error_;
  std::string detail_;
};

}  // namespace evo::http
