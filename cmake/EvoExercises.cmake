# evo_add_exercise(NAME TITLE "..." STUB_SHA256 <hash> LIBS <libs...>)
#
# Called from a folder's exercises/CMakeLists.txt. The exercise is:
#   NAME.hpp                      the contract, shared by all of the below
#   NAME.cpp                      the learner's file (a stub that calls evo::todo)
#   solutions/NAME.cpp            the reference solution
#   hints/NAME.md                 "## Hint 1", "## Hint 2", ... gentle to nearly the answer
#   tests/exercises/NAME_test.cpp the tests, the same for both
# It makes two test binaries: exercise_NAME_solution (its tests run in the
# default suite and must pass) and exercise_NAME (the learner's; `tutor check`
# runs it). The tests are compiled once, into the object library
# exercise_NAME_tests, and linked into both (and into a kept mistake, see
# tests/CMakeLists.txt): a learner's edit recompiles only the learner's file,
# and every build compiles each test file once. A ctest `stub_fails.NAME`
# checks that the untouched stub FAILS its tests: a test that passes on a
# stub checks nothing. STUB_SHA256 is the hash of the untouched stub; once a
# learner edits it, that check steps aside.
# SANITIZE: both test programs are built under ASan+UBSan in every preset, for
# exercises whose mistakes are lifetime bugs (a freed awaiter touched, a frame
# resumed after its end): a plain build often runs through those silently.
function(evo_add_exercise name)
  cmake_parse_arguments(ARG "SANITIZE" "TITLE;STUB_SHA256" "LIBS" ${ARGN})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  set(test ${PROJECT_SOURCE_DIR}/tests/exercises/${name}_test.cpp)
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${dir})

  add_library(exercise_${name}_tests OBJECT ${test})
  add_executable(exercise_${name}_solution ${dir}/solutions/${name}.cpp)
  add_executable(exercise_${name} ${dir}/${name}.cpp)
  target_link_libraries(exercise_${name}_solution PRIVATE exercise_${name}_tests)
  target_link_libraries(exercise_${name} PRIVATE exercise_${name}_tests)
  foreach(target exercise_${name}_tests exercise_${name}_solution exercise_${name})
    target_compile_features(${target} PRIVATE cxx_std_20)
    target_link_libraries(${target} PRIVATE ${ARG_LIBS} evo_common GTest::gtest
      GTest::gtest_main evo_warnings)
    if(ARG_SANITIZE)
      evo_sanitize_exercise(${target})
    endif()
  endforeach()
  gtest_discover_tests(exercise_${name}_solution
    TEST_PREFIX "solution.${name}."
    PROPERTIES LABELS exercises
    DISCOVERY_TIMEOUT 60)

  add_test(NAME stub_fails.${name}
    COMMAND ${CMAKE_COMMAND} -DNAME=${name} -DBINARY=$<TARGET_FILE:exercise_${name}>
      -DSTUB=${dir}/${name}.cpp -DSHA256=${ARG_STUB_SHA256}
      -P ${PROJECT_SOURCE_DIR}/cmake/CheckStubFails.cmake)
  set_tests_properties(stub_fails.${name} PROPERTIES LABELS exercises
    SKIP_REGULAR_EXPRESSION "edited by you")

  # One line per exercise for `tutor`, which reads ${CMAKE_BINARY_DIR}/exercises.tsv.
  set_property(GLOBAL APPEND PROPERTY EVO_EXERCISES
    "${name}\t${folder}\t${ARG_TITLE}\t${folder}/${name}.cpp\t${folder}/solutions/${name}.cpp\t${folder}/hints/${name}.md\texercise_${name}\t${ARG_STUB_SHA256}")
endfunction()

# Builds one test program under AddressSanitizer + UndefinedBehaviorSanitizer,
# where the compiler can (it needs its sanitizer runtimes). Its own code and
# the learner's are instrumented; the libraries it links need not be: ASan
# watches every malloc and free of the process.
include(CheckCXXSourceCompiles)
set(EVO_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer)
string(REPLACE ";" " " CMAKE_REQUIRED_FLAGS "${EVO_SANITIZE_FLAGS}")
check_cxx_source_compiles("int main() { return 0; }" EVO_CAN_SANITIZE)
unset(CMAKE_REQUIRED_FLAGS)
function(evo_sanitize_exercise target)
  if(EVO_CAN_SANITIZE)
    # -g: the report must name the learner's file and line, also in a
    # Release build (the clang preset) that has no debug info otherwise.
    target_compile_options(${target} PRIVATE ${EVO_SANITIZE_FLAGS} -g)
    target_link_options(${target} PRIVATE ${EVO_SANITIZE_FLAGS})
  else()
    message(STATUS "${target}: no sanitizers with this compiler; memory bugs may go unseen")
  endif()
endfunction()

# Writes the catalog `tutor` reads; call once, after every exercise is added.
function(evo_write_exercise_catalog)
  get_property(lines GLOBAL PROPERTY EVO_EXERCISES)
  list(JOIN lines "\n" text)
  file(WRITE ${CMAKE_BINARY_DIR}/exercises.tsv "${text}\n")
endfunction()
