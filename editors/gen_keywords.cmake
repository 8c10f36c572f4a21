# gen_keywords.cmake - writes the editor grammars from lang/keywords.def, the scanner's
# keyword table, so that no editor's keyword list can drift from the scanner's.
#
#   cmake -DOUT=DIR -P editors/gen_keywords.cmake          generate into DIR (same layout
#                                                          as editors/)
#   cmake -DOUT=editors -P editors/gen_keywords.cmake      regenerate the checked-in files
#   cmake -DOUT=DIR -DCHECK=ON -P editors/gen_keywords.cmake
#                                                          generate into DIR, then fail
#                                                          unless every checked-in file
#                                                          equals its generated twin
#
# Each template in editors/templates/ names its output path on its first line
# ("@out: vscode/syntaxes/nlt.tmLanguage.json"); the rest is copied with @VAR@ replaced:
#   @<ROLE>_TM@     TextMate alternation:   a|b|c
#   @<ROLE>_VIM@    Vim alternation:        a\|b\|c
#   @<ROLE>_EL@     Emacs list of strings:  "a" "b" "c"
# for ROLE in SYNTAX BLOCK PROP VALUE ARG UNIT (roles as in keywords.def).
cmake_minimum_required(VERSION 3.20)
get_filename_component(editors "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
get_filename_component(root "${editors}/.." ABSOLUTE)
if(NOT OUT)
  message(FATAL_ERROR "gen_keywords.cmake: pass -DOUT=DIR")
endif()
get_filename_component(OUT "${OUT}" ABSOLUTE)

set(roles SYNTAX BLOCK PROP VALUE ARG UNIT)
foreach(role ${roles})
  set(words_${role} "")
endforeach()

file(STRINGS "${root}/lang/keywords.def" lines REGEX "^KW\\(")
set(count 0)
foreach(line ${lines})
  if(NOT line MATCHES "^KW\\(([A-Z0-9_]+), \"([a-z0-9_]+)\", ([A-Z |]+)\\)$")
    message(FATAL_ERROR "gen_keywords.cmake: cannot read keywords.def line: ${line}")
  endif()
  set(word "${CMAKE_MATCH_2}")
  string(REPLACE "|" ";" line_roles "${CMAKE_MATCH_3}")
  foreach(r ${line_roles})
    string(STRIP "${r}" r)
    list(FIND roles "${r}" known)
    if(known EQUAL -1)
      message(FATAL_ERROR "gen_keywords.cmake: unknown role '${r}' of '${word}'")
    endif()
    list(APPEND words_${r} "${word}")
  endforeach()
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "gen_keywords.cmake: no KW(...) line in keywords.def")
endif()

foreach(role ${roles})
  set(ws ${words_${role}})
  list(SORT ws)
  string(REPLACE ";" "|" ${role}_TM "${ws}")
  string(REPLACE ";" "\\|" ${role}_VIM "${ws}")
  string(REPLACE ";" "\" \"" ${role}_EL "${ws}")
  set(${role}_EL "\"${${role}_EL}\"")
endforeach()

file(GLOB templates "${editors}/templates/*.in")
set(stale "")
foreach(tpl ${templates})
  file(READ "${tpl}" text)
  if(NOT text MATCHES "^@out: ([^\n]+)\n")
    message(FATAL_ERROR "gen_keywords.cmake: ${tpl} lacks its '@out: PATH' first line")
  endif()
  set(rel "${CMAKE_MATCH_1}")
  string(LENGTH "${CMAKE_MATCH_0}" skip)
  string(SUBSTRING "${text}" ${skip} -1 text)
  string(CONFIGURE "${text}" text @ONLY)
  set(dst "${OUT}/${rel}")
  # Write only on change, so a build does not touch up-to-date files.
  set(old "")
  if(EXISTS "${dst}")
    file(READ "${dst}" old)
  endif()
  if(NOT old STREQUAL text)
    file(WRITE "${dst}" "${text}")
  endif()
  if(CHECK)
    set(cur "")
    if(EXISTS "${editors}/${rel}")
      file(READ "${editors}/${rel}" cur)
    endif()
    if(NOT cur STREQUAL text)
      list(APPEND stale "editors/${rel}")
    endif()
  endif()
endforeach()

if(stale)
  string(REPLACE ";" "\n  " stale "${stale}")
  message(FATAL_ERROR "editor keyword lists differ from lang/keywords.def in:\n  ${stale}\n"
                      "regenerate them: cmake -DOUT=editors -P editors/gen_keywords.cmake")
endif()
if(CHECK)
  message(STATUS "${count} keywords; every editor grammar matches lang/keywords.def")
endif()
