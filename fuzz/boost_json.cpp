// Boost.JSON compiled into the fuzz target, instead of linked from the system
// library, so that libFuzzer's coverage reaches into the JSON parser too.
#include <boost/json/src.hpp>
