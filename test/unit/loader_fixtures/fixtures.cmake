# Loader test fixtures: hand-made artifacts written in C against the kiln ABI (no kilnc
# needed) and shared objects the ELF verifier must reject. Built with clang-19 + lld (and
# gcc for a libc-linked one) into ${KILN_LOADER_FIXTURE_DIR}.
find_program(KILN_CLANG19 NAMES clang-19)
if(NOT KILN_CLANG19)
  # A runtime-only machine (-DKILN_BUILD_COMPILER=OFF) may have no clang: the tests that
  # need these fixtures are then reported as disabled, not passed.
  message(STATUS "clang-19 not found: the loader tests that need its fixtures are disabled")
  function(kiln_use_loader_fixtures target)
    set_tests_properties(unit.${target} PROPERTIES DISABLED TRUE)
  endfunction()
  return()
endif()
find_program(KILN_HOST_CC NAMES gcc cc REQUIRED)
set(KILN_LOADER_FIXTURE_DIR ${CMAKE_BINARY_DIR}/test-fixtures/loader)
set(_fixture_src ${CMAKE_CURRENT_LIST_DIR})
set(_fixture_flags -O2 -fno-optimize-sibling-calls -fPIC -fvisibility=hidden -nostdlib -shared -fuse-ld=lld -Wl,-z,now
    -I${PROJECT_SOURCE_DIR}/runtime-lib/include)
set(_fixture_outputs)

macro(kiln_loader_fixture name source)
  add_custom_command(
    OUTPUT ${KILN_LOADER_FIXTURE_DIR}/${name}.so
    COMMAND ${CMAKE_COMMAND} -E make_directory ${KILN_LOADER_FIXTURE_DIR}
    COMMAND ${KILN_CLANG19} ${_fixture_flags} ${ARGN} -o ${KILN_LOADER_FIXTURE_DIR}/${name}.so
            ${_fixture_src}/${source}
    DEPENDS ${_fixture_src}/${source} ${PROJECT_SOURCE_DIR}/runtime-lib/include/kiln/abi.h
    COMMENT "Building loader fixture ${name}.so" VERBATIM)
  list(APPEND _fixture_outputs ${KILN_LOADER_FIXTURE_DIR}/${name}.so)
endmacro()

kiln_loader_fixture(fake fake_module.c -Wl,--no-undefined)
kiln_loader_fixture(fake_relr fake_module.c -Wl,--no-undefined -Wl,-z,pack-relative-relocs)
kiln_loader_fixture(fake_importer fake_importer.c -Wl,--no-undefined)
kiln_loader_fixture(fake_wasi fake_wasi.c -Wl,--no-undefined)
kiln_loader_fixture(bad_constructor bad_module.c -DWITH_CONSTRUCTOR)
kiln_loader_fixture(bad_undefined bad_module.c -DWITH_UNDEFINED -fno-plt)
kiln_loader_fixture(bad_plt bad_module.c -DWITH_UNDEFINED)
kiln_loader_fixture(bad_tls bad_module.c -DWITH_TLS)
kiln_loader_fixture(bad_symbolic_relocation bad_module.c -DWITH_SYMBOLIC_RELOCATION)
kiln_loader_fixture(bad_no_descriptor bad_module.c -DNO_DESCRIPTOR)
kiln_loader_fixture(bad_execstack bad_module.c -Wl,-z,execstack)
kiln_loader_fixture(bad_rwx bad_module.c -Wl,-N)

add_custom_command(
  OUTPUT ${KILN_LOADER_FIXTURE_DIR}/bad_needs_libc.so
  COMMAND ${CMAKE_COMMAND} -E make_directory ${KILN_LOADER_FIXTURE_DIR}
  COMMAND ${KILN_HOST_CC} -shared -fPIC -DWITH_LIBC -o ${KILN_LOADER_FIXTURE_DIR}/bad_needs_libc.so
          ${_fixture_src}/bad_module.c
  DEPENDS ${_fixture_src}/bad_module.c
  COMMENT "Building loader fixture bad_needs_libc.so" VERBATIM)
list(APPEND _fixture_outputs ${KILN_LOADER_FIXTURE_DIR}/bad_needs_libc.so)

add_custom_target(kiln_loader_fixtures DEPENDS ${_fixture_outputs})

# Wires a test target to the fixtures.
function(kiln_use_loader_fixtures target)
  add_dependencies(${target} kiln_loader_fixtures)
  target_compile_definitions(${target} PRIVATE
    KILN_LOADER_FIXTURE_DIR="${KILN_LOADER_FIXTURE_DIR}")
endfunction()
