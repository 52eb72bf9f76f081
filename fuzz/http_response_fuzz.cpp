// libFuzzer target for the client's response-handling path: arbitrary bytes, as
// a server could send them, go into ResponseReader (common/http_response_reader)
// and what it accepts goes on through http_api's decoders. scripts/fuzz builds
// and runs it.
//
// The first two bytes choose where the network splits the rest into two
// reads, and the same bytes are also fed in one piece: both readers must agree
// (a reader that depends on how the bytes arrived would fail only sometimes on
// a real network). Beyond what ASan and UBSan catch, the checks below are the
// reader's promises: one verdict, an errc we document, a detail to show.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "common/http_api.hpp"
#include "common/http_response_reader.hpp"

namespace {

using evo::http::ResponseReader;
using Status = ResponseReader::Status;

void check(bool promise) {
  if (!promise) std::abort();
}

// Feeds `pieces` in order, then the end of the connection, as the client would.
Status read_all(ResponseReader& reader, std::string_view first, std::string_view second) {
  Status status = reader.feed(first);
  if (status == Status::need_more) status = reader.feed(second);
  if (status == Status::need_more) status = reader.feed_eof();
  return status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t split = (data[0] | (std::size_t{data[1]} << 8)) % (bytes.size() + 1);

  // Small limits, so that the fuzzer reaches them with small inputs.
  ResponseReader in_two(512, 1024), in_one(512, 1024);
  Status status = read_all(in_two, bytes.substr(0, split), bytes.substr(split));
  Status whole = read_all(in_one, bytes, {});
  check(status != Status::need_more);  // after the end of the connection, a verdict
  check(status == whole);
  check(in_two.error() == in_one.error());

  if (status == Status::failed) {
    check(in_two.error() == evo::errc::bad_response ||
          in_two.error() == evo::errc::connection_failed);
    check(!in_two.detail().empty());
    return 0;
  }
  evo::http::Response response = in_two.take_response();
  check(response.body == in_one.take_response().body);
  check(response.body.size() <= 1024);
  std::string why;
  auto [user_error, user] = evo::http_api::decode_user(response.status, response.body, &why);
  check(!user_error || user_error == evo::errc::user_not_found || !why.empty());
  auto [profile_error, profile] =
      evo::http_api::decode_profile(response.status, response.body, &why);
  check(!profile_error || profile_error == evo::errc::profile_not_found || !why.empty());
  return 0;
}
