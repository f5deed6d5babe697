# hwnas_set_source_property(PROPERTY VALUE ENTRY...): sets PROPERTY to VALUE on each source
# given as TARGET:FILE, FILE relative to the target's SOURCE_DIR (the directory of the
# CMakeLists.txt that made it). An entry whose target is not built (tests or benchmarks
# off) is skipped. Used by torch_precompiled_header.cmake and unity_build.cmake.
function(hwnas_set_source_property property value)
  foreach(entry IN LISTS ARGN)
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 target)
    list(GET parts 1 file)
    if(TARGET ${target})
      get_target_property(dir ${target} SOURCE_DIR)
      set_source_files_properties(${dir}/${file} TARGET_DIRECTORY ${target} PROPERTIES ${property} ${value})
    endif()
  endforeach()
endfunction()
