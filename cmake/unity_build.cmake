# Unity builds: CMake compiles each target's sources in batches, one file that #includes
# several .cpp files, so the headers every file includes (torch, GoogleTest, nlohmann-json,
# fmt) are parsed and their templates instantiated once per batch instead of once per file.
#
# Why: the build is most of CI's 40 minutes on 2 cores. Measured 2026-12-02 on the 2-core
# machine (CPU seconds of g++ -O3 as the build runs it, torch precompiled, load ~2):
# src/hwnas/train/optimizer.cpp 17.0 s, network.cpp 13.4 s, network_forward.cpp 13.5 s,
# 43.9 s together; the three in one unity file 22.0 s.
#
# HWNAS_UNITY_BUILD=OFF compiles file by file (faster to rebuild one edited file). Files that
# cannot share a batch are listed below with the reason; a new clash shows as a compile error
# naming a redefinition in an anonymous namespace: rename one, or list the file here.
option(HWNAS_UNITY_BUILD "Compile each target's sources in batches (unity build)" ON)
if(HWNAS_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
  if(NOT DEFINED CMAKE_UNITY_BUILD_BATCH_SIZE)
    set(CMAKE_UNITY_BUILD_BATCH_SIZE 8)
  endif()
endif()

# Files compiled on their own, as TARGET:FILE (FILE relative to the target's SOURCE_DIR).
# ops_*.cpp: each explicitly specializes detail::describe<Op>(), which an earlier file of the
#   same batch may already have instantiated from the primary template.
# train_accuracy.cpp, supernet_accuracy.cpp: file-local settings readers and constants named
#   like those of the other accuracy sources.
set(hwnas_unity_excluded
  hwnas_graph:ops_conv.cpp hwnas_graph:ops_tensor.cpp hwnas_graph:ops_resize.cpp
  hwnas_search:train_accuracy.cpp hwnas_search:supernet_accuracy.cpp
)

# Targets compiled file by file.
# hwnas_advise: each rewrite pass (passes/*.cpp) defines its own file-local apply().
set(hwnas_unity_off_targets hwnas_advise)

# Called by the top CMakeLists.txt after every target exists.
function(hwnas_apply_unity_exclusions)
  foreach(target IN LISTS hwnas_unity_off_targets)
    if(TARGET ${target})
      set_target_properties(${target} PROPERTIES UNITY_BUILD OFF)
    endif()
  endforeach()
  hwnas_set_source_property(SKIP_UNITY_BUILD_INCLUSION ON ${hwnas_unity_excluded})
endfunction()
