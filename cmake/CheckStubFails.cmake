# Run by ctest as `stub_fails.NAME`: the untouched stub of an exercise must
# FAIL its tests, or the tests check nothing. Once the learner has edited the
# stub (its hash differs), the check steps aside: their file is theirs.
file(SHA256 "${STUB}" actual)
if(NOT actual STREQUAL SHA256)
  if(DEFINED ENV{CI})
    message(FATAL_ERROR "${NAME}: the stub changed but its STUB_SHA256 did not; "
                        "if the change is meant, record the new hash: ${actual}")
  endif()
  message("${NAME}: the stub was edited by you, so the stubs-fail check is skipped")
  return()
endif()
execute_process(COMMAND "${BINARY}" --gtest_brief=1
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${NAME}: the untouched stub PASSES its tests, so they check nothing")
endif()
message("${NAME}: the untouched stub fails its tests, as it must")
