# Shared flags, and the helpers that give every stage binary and every test
# suite the same shape.

add_library(evo_warnings INTERFACE)
target_compile_options(evo_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${EVO_WERROR}>:-Werror>)

# evo_add_library(NAME SOURCES...): one library per folder, C++20, includes
# spelled from the repository root ("common/reactor.hpp").
function(evo_add_library name)
  add_library(${name} STATIC ${ARGN})
  target_compile_features(${name} PUBLIC cxx_std_20)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE evo_warnings)
endfunction()

# evo_add_stage_binary(NAME LIBRARY): a stage's CLI binary, built the same way
# for every stage so that they take the same flags and print the same lines.
function(evo_add_stage_binary name library)
  cmake_parse_arguments(ARG "" "MAIN" "" ${ARGN})
  if(NOT ARG_MAIN)
    set(ARG_MAIN main.cpp)
  endif()
  add_executable(${name} ${ARG_MAIN})
  target_link_libraries(${name} PRIVATE ${library} evo_common evo_warnings)
  evo_count_allocations(${name})
endfunction()

# --stats counts heap allocations with a replaced operator new, in the stage
# binaries only; not under a sanitizer, which replaces operator new itself.
function(evo_count_allocations target)
  if(NOT CMAKE_CXX_FLAGS MATCHES "sanitize")
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/common/count_allocations.cpp)
  endif()
endfunction()

# evo_add_test(NAME LABEL label SOURCES ... LIBS ...): a GoogleTest executable
# whose tests ctest discovers one by one, under a ctest label per area.
function(evo_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main evo_warnings)
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${ARG_LABEL}
    DISCOVERY_TIMEOUT 60)
endfunction()
