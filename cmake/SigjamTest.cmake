# sigjam_add_unit_test(NAME name SOURCES src... [LIBS lib...] [LABELS l...])
# A cmocka test program registered with ctest.  A static test function
# left out of the program's cmocka table does not compile
# (-Werror=unused-function): a case cannot be forgotten silently.
function(sigjam_add_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_compile_options(${T_NAME} PRIVATE -Werror=unused-function)
  target_link_libraries(${T_NAME} PRIVATE PkgConfig::CMOCKA ${T_LIBS})
  sigjam_sanitize(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT 120)
endfunction()

# sigjam_add_listed_tests(PREFIX p SCRIPT script [ARGS arg...] [LABELS l...]
#                         [TIMEOUT s] [DEPENDS file...])
# One ctest per case that `script --list` prints, read when CMake configures
# (and again whenever the script or a DEPENDS file changes): the script is
# the one place a case is defined, so none can be forgotten here.  Each
# line is a case name ("Class.test_x" becomes p_Class_test_x); a line
# "NAME python" is registered once per interpreter of SIGJAM_TEST_PYTHONS,
# as p_NAME_<tag>, with --python.  A script that cannot list stops CMake.
function(sigjam_add_listed_tests)
  cmake_parse_arguments(T "" "PREFIX;SCRIPT;TIMEOUT" "ARGS;LABELS;DEPENDS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  execute_process(COMMAND ${Python3_EXECUTABLE} ${T_SCRIPT} --list
                  OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT listing MATCHES "[a-zA-Z]")
    message(FATAL_ERROR "${T_SCRIPT} --list listed no cases (exit ${rc}): ${errors}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${T_SCRIPT} ${T_DEPENDS})
  string(REPLACE "\n" ";" lines "${listing}")
  foreach(line IN LISTS lines)
    if(line STREQUAL "")
      continue()
    endif()
    string(REPLACE " " ";" words "${line}")
    list(GET words 0 case)
    string(REPLACE "." "_" name "${T_PREFIX}_${case}")
    if(line MATCHES " python$")
      foreach(py ${SIGJAM_TEST_PYTHONS})
        sigjam_python_tag(${py} tag)
        add_test(NAME ${name}_${tag}
                 COMMAND ${Python3_EXECUTABLE} ${T_SCRIPT} ${T_ARGS} --python ${py} ${case})
        set_tests_properties(${name}_${tag} PROPERTIES LABELS "${T_LABELS};python" TIMEOUT ${T_TIMEOUT})
      endforeach()
    else()
      add_test(NAME ${name} COMMAND ${Python3_EXECUTABLE} ${T_SCRIPT} ${T_ARGS} ${case})
      set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
    endif()
  endforeach()
endfunction()
