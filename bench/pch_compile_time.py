#!/usr/bin/env python3
"""CPU seconds (user+sys) of compiling some torch files as the build does (with the shared
precompiled <torch/torch.h>) and without it (the -include of cmake_pch.hxx removed).
Objects go to /tmp; the build directory is not touched. Run from the source tree after a
build (it reads build/compile_commands.json): bench/pch_compile_time.py [FILE...]"""
import json, os, re, resource, subprocess, sys
files = sys.argv[1:] or ['src/hwnas/train/trainer.cpp', 'src/hwnas/train/scene_run.cpp',
                         'src/hwnas/train/proxies/naswot.cpp', 'tests/train/trainer_loop_test.cpp']
cmds = {e['file']: e for e in json.load(open('build/compile_commands.json'))}
def cpu_of(cmd, cwd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, shell=True, cwd=cwd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
for f in files:
    e = cmds[os.path.abspath(f)]
    cmd = re.sub(r' -o \S+ ', ' -o /tmp/pch_measure.o ', e['command'])
    plain = re.sub(r' -Winvalid-pch -include \S+cmake_pch.hxx', '', cmd)
    assert plain != cmd, 'no precompiled header in the command of ' + f
    load = os.getloadavg()[0]
    with_pch = cpu_of('nice ' + cmd, e['directory'])
    without = cpu_of('nice ' + plain, e['directory'])
    print(f'{f}\twith {with_pch:.1f} s\twithout {without:.1f} s\tload {load:.1f}-{os.getloadavg()[0]:.1f}', flush=True)
