# tests/case-lists.cmake - the case-lists CTest entry: the cases that
# tests/CMakeLists.txt registers agree with what each program lists.
#
#   cmake -DTABLE=build/tests/case-lists.txt -P tests/case-lists.cmake
#
# TABLE has a line per check.h program, written by tests/CMakeLists.txt:
#   NAME|EXECUTABLE|CASES REGISTERED (by weft_add_cases)|CTEST ENTRIES
# A program with registered cases must list exactly those (`NAME --list`,
# as a set); a program with none is run whole, so it must list one case
# and have at least one entry.  Any disagreement fails the entry, naming
# the cases to add to CTest or to remove from it.
cmake_minimum_required(VERSION 3.18) # IN_LIST (policy CMP0057)
if(NOT TABLE)
  message(FATAL_ERROR "case-lists.cmake: give -DTABLE=<case-lists.txt>")
endif()
file(STRINGS "${TABLE}" lines)
set(failed 0)
set(programs 0)
foreach(line IN LISTS lines)
  string(REPLACE "|" ";" fields "${line}")
  list(LENGTH fields n)
  if(NOT n EQUAL 4)
    message(SEND_ERROR "case-lists: malformed line '${line}'")
    set(failed 1)
    continue()
  endif()
  list(GET fields 0 name)
  list(GET fields 1 exe)
  list(GET fields 2 registered)
  list(GET fields 3 entries)
  separate_arguments(registered UNIX_COMMAND "${registered}")
  separate_arguments(entries UNIX_COMMAND "${entries}")
  list(REMOVE_DUPLICATES registered)
  math(EXPR programs "${programs} + 1")

  execute_process(COMMAND "${exe}" --list RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "${name} --list failed (${rc}): ${err}")
    set(failed 1)
    continue()
  endif()
  string(REGEX REPLACE "\n$" "" out "${out}")
  string(REPLACE "\n" ";" listed "${out}")
  list(LENGTH listed nlisted)
  list(LENGTH entries nentries)

  if(NOT registered)
    if(nentries EQUAL 0)
      message(SEND_ERROR "${name} has no CTest entry: register it in tests/CMakeLists.txt")
      set(failed 1)
    elseif(NOT nlisted EQUAL 1)
      message(SEND_ERROR "${name} lists ${nlisted} cases (${listed}) but CTest runs it whole: "
        "give each case its entry with weft_add_cases() in tests/CMakeLists.txt")
      set(failed 1)
    else()
      message(STATUS "${name}: one case, run whole by ${nentries} entries")
    endif()
    continue()
  endif()

  set(ok 1)
  foreach(c IN LISTS listed)
    if(NOT c IN_LIST registered)
      string(REGEX REPLACE "^test-" "" prog "${name}")
      message(SEND_ERROR "${name}: case '${c}' has no CTest entry: add it to the "
        "weft_add_cases(${prog} ...) calls in tests/CMakeLists.txt")
      set(ok 0)
    endif()
  endforeach()
  foreach(c IN LISTS registered)
    if(NOT c IN_LIST listed)
      message(SEND_ERROR "${name}: CTest runs case '${c}', which `${name} --list` does not name")
      set(ok 0)
    endif()
  endforeach()
  if(ok)
    message(STATUS "${name}: ${nlisted} cases, ${nentries} entries, lists agree")
  else()
    set(failed 1)
  endif()
endforeach()

if(failed)
  message(FATAL_ERROR "case-lists: CTest's entries and the programs' cases disagree")
endif()
message(STATUS "case-lists: ${programs} programs, every case has its entry")
