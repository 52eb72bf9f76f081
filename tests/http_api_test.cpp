// Specifies common/http_api's decoders: what an answer means, and the detail
// a learner reads when it is not the JSON the API promises.
#include "common/http_api.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/errors.hpp"

namespace {

using evo::errc;
namespace api = evo::http_api;

TEST(HttpApi, DecodesAUserItEncoded) {
  auto [error, user] = api::decode_user(200, api::user_json({42, "Grace"}));
  EXPECT_FALSE(error);
  EXPECT_EQ(user.id, 42);
  EXPECT_EQ(user.name, "Grace");
}

TEST(HttpApi, NotFoundMeansUserOrProfileNotFound) {
  EXPECT_EQ(api::decode_user(404, "{}").first, errc::user_not_found);
  EXPECT_EQ(api::decode_profile(404, "{}").first, errc::profile_not_found);
}

TEST(HttpApi, InvalidJsonIsABadResponseThatSaysSo) {
  std::string why;
  auto [error, user] = api::decode_user(200, "{\"id\": 42, \"name\": ", &why);
  EXPECT_EQ(error, errc::bad_response);
  EXPECT_EQ(why.rfind("the body is not JSON (", 0), 0u) << why;
}

TEST(HttpApi, JsonOfTheWrongShapeNamesWhatIsWrong) {
  std::string why;
  EXPECT_EQ(api::decode_user(200, "[1, 2]", &why).first, errc::bad_response);
  EXPECT_EQ(why, "the body is JSON but not an object");
  EXPECT_EQ(api::decode_user(200, R"({"id": 42})", &why).first, errc::bad_response);
  EXPECT_EQ(why, "field \"name\" is missing");
  EXPECT_EQ(api::decode_user(200, R"({"id": "42", "name": "Grace"})", &why).first,
            errc::bad_response);
  EXPECT_EQ(why, "field \"id\" is not an integer");
  EXPECT_EQ(api::decode_profile(200, R"({"user_id": 42, "bio": 7})", &why).first,
            errc::bad_response);
  EXPECT_EQ(why, "field \"bio\" is not a string");
}

TEST(HttpApi, AnUnexpectedStatusIsABadResponse) {
  std::string why;
  EXPECT_EQ(api::decode_user(500, "oops", &why).first, errc::bad_response);
  EXPECT_EQ(why, "status 500, expected 200 or 404");
}

}  // namespace
