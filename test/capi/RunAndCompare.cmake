# Runs PROGRAM WASM [EXTRA_WASM...] and compares its standard output with the file
# EXPECTED. Fails when the program exits non-zero (or dies) or its output differs; either
# way both outputs and the program's standard error are printed.
#   cmake -DPROGRAM=exe -DWASM=a.wasm [-DEXTRA_WASM=b.wasm,c.wasm] -DEXPECTED=a.expected
#         -P RunAndCompare.cmake
foreach(var PROGRAM WASM EXPECTED)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "RunAndCompare.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(file "${PROGRAM}" "${WASM}" "${EXPECTED}")
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "RunAndCompare.cmake: ${file} does not exist")
  endif()
endforeach()

set(args "${WASM}")
if(DEFINED EXTRA_WASM AND NOT "${EXTRA_WASM}" STREQUAL "")
  string(REPLACE "," ";" extra "${EXTRA_WASM}")
  list(APPEND args ${extra})
endif()

execute_process(
  COMMAND "${PROGRAM}" ${args}
  OUTPUT_VARIABLE actual
  ERROR_VARIABLE errors
  RESULT_VARIABLE status)
file(READ "${EXPECTED}" expected)

# Prints both outputs and the standard error as they are (NOTICE, unlike FATAL_ERROR, does
# not reflow the text), then fails with `reason`.
function(fail reason)
  message(NOTICE
    "--- expected stdout (${EXPECTED})\n${expected}"
    "--- actual stdout\n${actual}"
    "--- stderr\n${errors}"
    "---")
  message(FATAL_ERROR "${PROGRAM} ${args}: ${reason}")
endfunction()

if(NOT "${status}" STREQUAL "0")
  fail("exit status ${status}")
endif()
if(NOT "${actual}" STREQUAL "${expected}")
  fail("standard output differs from ${EXPECTED}")
endif()
if(NOT "${errors}" STREQUAL "")
  message(NOTICE "--- stderr\n${errors}")
endif()
message(STATUS "${PROGRAM}: output matches ${EXPECTED}")
