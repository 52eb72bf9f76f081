#include "errors.hpp"

namespace evo {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "evo"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::user_not_found:
        return "user not found";
      case errc::profile_not_found:
        return "profile not found";
      case errc::timeout:
        return "timed out";
      case errc::connection_failed:
        return "connection failed";
      case errc::connection_refused:
        return "connection refused";
      case errc::bad_response:
        return "bad response";
      case errc::not_found:
        return "not found";
      case errc::broken_promise:
        return "broken promise: the promise was dropped without a result";
      case errc::cancelled:
        return "cancelled";
    }
    return "unknown evo error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace evo
