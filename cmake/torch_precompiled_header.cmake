# One precompiled <torch/torch.h> for the code that includes torch (the train library, its
# torch tests, hwnas-train and the training benchmarks), built once with hwnas_train and
# reused by the others. Included by the top CMakeLists.txt after every target exists.
#
# Why: parsing torch/torch.h is a third to a half of each such file's compile. Measured
# 2026-12-01 on the shared 2-core machine, CPU seconds of one g++ -O3 compile as the build
# runs it (bench/pch_compile_time.py, load 3 to 6): src/hwnas/train/trainer.cpp
# 38.7 s without, 22.5 s with the header precompiled; scene_run.cpp 36.5 s, 26.6 s; building
# the header once: 38 s. A file that does not include torch pays for loading the 630 MB
# header instead (schedule.cpp: 1.0 s -> 7.3 s user), so those files skip it (the list
# below; a torch-free file missing from it is only slower). Correctness does not depend on
# it: a header GCC cannot use is parsed as usual (-Winvalid-pch says so).

set(hwnas_torch_pch_users
  hwnas-train
  train_model_tests train_trainer_tests train_task_tests train_transfer_tests
  train_proxy_more_tests train_proxy_tests train_supernet_tests
  train_throughput proxy_nb201)

# Sources of those targets that do not include torch, as TARGET:FILE.
set(hwnas_torch_free_sources
  hwnas_train:schedule.cpp
  hwnas_train:tasks/baselines.cpp hwnas_train:tasks/task_heads.cpp hwnas_train:supernet/subnet_genomes.cpp
  hwnas-train:train_command.cpp hwnas-train:train_main.cpp hwnas-train:train_output.cpp
  train_proxy_more_tests:proxy_ensemble_test.cpp train_task_tests:task_heads_test.cpp
  train_trainer_tests:trainer_schedule_test.cpp train_trainer_tests:scene_plan_test.cpp)

if(TARGET hwnas_train)
  target_precompile_headers(hwnas_train PRIVATE <torch/torch.h>)
  foreach(user IN LISTS hwnas_torch_pch_users)
    if(TARGET ${user})
      target_precompile_headers(${user} REUSE_FROM hwnas_train)
    endif()
  endforeach()
  hwnas_set_source_property(SKIP_PRECOMPILE_HEADERS ON ${hwnas_torch_free_sources})
endif()
