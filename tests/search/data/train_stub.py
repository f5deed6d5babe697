#!/usr/bin/python3
"""A stand-in for a user's training script, for the cost model's tests.

python3 train_stub.py MODE MODEL_FILE FIDELITY [CALLS_FILE]

Reads the model file (JSON), appends a line to CALLS_FILE when given (the tests count
calls), then behaves as MODE says: ok prints a log line and then
{"accuracy": (number of layers mod 90) + FIDELITY}; the others fail as a broken script would.
"""
import json
import sys
import time

mode, model, fidelity = sys.argv[1], sys.argv[2], sys.argv[3]
if len(sys.argv) > 4:
    with open(sys.argv[4], "a") as calls:
        calls.write(mode + "\n")
with open(model) as f:
    layers = len(json.load(f)["layers"])

if mode == "ok":
    print("epoch 1/1: loss 2.30")
    print(json.dumps({"accuracy": layers % 90 + float(fidelity)}))
elif mode == "long_log":  # 3 MiB of log lines before the answer
    sys.stdout.write("step 1: loss 0.1\n" * (3 * 1024 * 1024 // 17))
    print(json.dumps({"accuracy": layers % 90 + float(fidelity)}))
elif mode == "crash":
    print("ValueError: the learning rate is negative", file=sys.stderr)
    sys.exit(1)
elif mode == "hang":
    time.sleep(60)
elif mode == "garbage":
    print("accuracy: very good")
elif mode == "nan":
    print('{"accuracy": NaN}')
elif mode == "huge":
    print('{"accuracy": 1e999}')
elif mode == "above_100":
    print('{"accuracy": 101}')
elif mode == "extra_key":
    print('{"accuracy": 50, "loss": 0.1}')
elif mode == "silent":
    pass
else:
    sys.exit("unknown mode " + mode)
