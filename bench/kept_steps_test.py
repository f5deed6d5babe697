#!/usr/bin/python3
"""bench/families.py and bench/fidelity_rank.py reuse a kept step only when it was made with
the options asked, and exit 2 with one line otherwise. Against a fake hwnas (written here:
no search, no training), in temporary directories:

  /usr/bin/python3 bench/kept_steps_test.py [-v]
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

BENCH = os.path.dirname(os.path.abspath(__file__))

# Answers the verbs the two scripts run, each call logged (argv as one JSON line) to $FAKE_LOG.
FAKE_HWNAS = textwrap.dedent('''\
    #!/usr/bin/python3
    import json, os, sqlite3, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    flag = lambda name: args[args.index(name) + 1]
    if args[0] == "search":
        out = flag("--out")
        os.makedirs(out, exist_ok=True)
        db = sqlite3.connect(os.path.join(out, "experiment.db"))
        db.execute("CREATE TABLE IF NOT EXISTS experiment (info_json TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS evaluations (rung INTEGER, seconds REAL, accuracy REAL)")
        db.execute("INSERT INTO experiment VALUES (?)", (json.dumps({"rungs": 1}),))
        db.executemany("INSERT INTO evaluations VALUES (0, ?, ?)", [(1.0, 80.0), (2.0, 85.0)])
        db.commit()
        print(json.dumps({"rung_costs": [{"rung": 0, "evaluations": 2, "seconds": 3.0}], "trials": [{}, {}],
                          "best": {"genome": "1-0-2", "accuracy": 85.0}}))
    elif args[:2] == ["supernet", "train"]:
        with open(flag("--out"), "w") as f:
            f.write("supernet\\n")
        print(json.dumps({"status": "ok"}))
    elif args[:2] == ["space", "decode"]:
        with open(flag("--out"), "w") as f:
            f.write(args[3] + "\\n")
    elif args[:2] == ["space", "sample"]:
        out, count, seed = flag("--out"), int(flag("--count")), flag("--seed")
        os.makedirs(out)
        samples = []
        for i in range(count):
            path = os.path.join(out, f"sample-{i:03}.yaml")
            with open(path, "w") as f:
                f.write(f"{args[2]} {flag('--target')} seed {seed} sample {i}\\n")
            samples.append({"genome": f"{seed}-{i}", "file": path, "macs": 1000 * (i + 1)})
        print(json.dumps({"samples": samples}))
    elif args[0] == "train":
        print(json.dumps({"status": "ok", "metrics": {"top1": 0.85}, "threads": int(flag("--threads")),
                          "train_seconds": 1.0}))
    else:
        sys.exit(f"fake hwnas: unexpected {args}")
''')


class FakeHwnas(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.hwnas = os.path.join(self.tmp.name, "hwnas")
        with open(self.hwnas, "w") as f:
            f.write(FAKE_HWNAS)
        os.chmod(self.hwnas, 0o755)
        self.log = os.path.join(self.tmp.name, "calls.log")
        self.dir = os.path.join(self.tmp.name, "results")

    def tearDown(self):
        self.tmp.cleanup()

    def run_script(self, script, *args):
        """(exit status, stdout, stderr, the fake hwnas's calls) of one run of `script`."""
        if os.path.exists(self.log):
            os.remove(self.log)
        r = subprocess.run([sys.executable, os.path.join(BENCH, script), "--hwnas", self.hwnas, "--dir", self.dir,
                            *args], capture_output=True, text=True, env=dict(os.environ, FAKE_LOG=self.log))
        calls = []
        if os.path.exists(self.log):
            with open(self.log) as f:
                calls = [json.loads(line) for line in f]
        return r.returncode, r.stdout, r.stderr, calls

    def assert_refused(self, result, *parts):
        rc, out, err, calls = result
        self.assertEqual(rc, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for part in parts:
            self.assertIn(part, err)


class Families(FakeHwnas):
    ARGS = ["--families", "multishot", "--seeds", "1", "--threads", "1", "--budget", "multishot=2",
            "--fidelity", "epochs=1,subset=0.01", "--final", "epochs=1,subset=0.05"]

    def first_run(self):
        rc, out, err, calls = self.run_script("families.py", *self.ARGS)
        self.assertEqual(rc, 0, err)
        self.assertEqual([c[0] for c in calls], ["search", "space", "train"])
        return out

    def step_file(self, name):
        return os.path.join(self.dir, "seed1", name)

    def edit(self, name, change):
        with open(self.step_file(name)) as f:
            kept = json.load(f)
        change(kept)
        with open(self.step_file(name), "w") as f:
            json.dump(kept, f)

    def test_a_run_with_the_same_options_reuses_every_step(self):
        table = self.first_run()
        rc, out, err, calls = self.run_script("families.py", *self.ARGS)
        self.assertEqual((rc, calls), (0, []), err)
        self.assertEqual(out, table)
        with open(self.step_file("multishot.search.json")) as f:
            options = json.load(f)["options"]
        self.assertEqual(options["--budget multishot"], 2)
        self.assertEqual(options["--fidelity"], {"epochs": "1", "subset": "0.01"})

    def test_another_budget_fidelity_or_threads_is_refused_naming_the_option(self):
        self.first_run()
        search = self.step_file("multishot.search.json")
        for args, said in ((["--budget", "multishot=3"], "--budget multishot 2, asked 3"),
                           (["--fidelity", "epochs=2,subset=0.01"], "--fidelity epochs=1,subset=0.01, asked "
                                                                    "epochs=2,subset=0.01"),
                           (["--threads", "2"], "--threads 1, asked 2"),
                           (["--limit-ms", "0.5"], "--limit-ms 0.4, asked 0.5")):
            with self.subTest(args=args):
                result = self.run_script("families.py", *self.ARGS, *args)
                self.assert_refused(result, search + ": made with " + said, "another --dir",
                                    f"delete {search} and {self.step_file('multishot')}")
                self.assertEqual(result[3], [])
        # A dry run checks alike (before it prints what it would run).
        self.assert_refused(self.run_script("families.py", *self.ARGS, "--budget", "multishot=3", "--dry-run"),
                            "--budget multishot 2, asked 3")

    def test_the_same_options_in_another_order_are_the_same(self):
        self.first_run()
        args = list(self.ARGS)
        args[args.index("--fidelity") + 1] = "subset=0.01,epochs=1"
        rc, _, err, calls = self.run_script("families.py", *args)
        self.assertEqual((rc, calls), (0, []), err)

    def test_another_final_recipe_is_refused_at_the_final_training(self):
        self.first_run()
        result = self.run_script("families.py", *self.ARGS[:-1], "epochs=2,subset=0.05")
        self.assert_refused(result, self.step_file("multishot.final.json"),
                            "--final epochs=1,subset=0.05, asked epochs=2,subset=0.05")

    def test_a_final_of_another_genome_than_the_searchs_best_is_refused(self):
        self.first_run()
        self.edit("multishot.search.json", lambda s: s["answer"]["best"].update(genome="1-1-1"))
        self.assert_refused(self.run_script("families.py", *self.ARGS), self.step_file("multishot.final.json"),
                            "genome 1-0-2, asked 1-1-1")

    def test_a_step_kept_before_options_were_recorded_is_checked_by_what_it_holds(self):
        self.first_run()
        for name in ("multishot.search.json", "multishot.final.json"):
            self.edit(name, lambda s: s.pop("options"))
        rc, _, err, calls = self.run_script("families.py", *self.ARGS)
        self.assertEqual((rc, calls), (0, []), err)
        # The search by its experiment file, the final training by its command.
        self.assert_refused(self.run_script("families.py", *self.ARGS, "--budget", "multishot=3"),
                            "multishot.search.json: kept before steps recorded their options",
                            "line 8 is 'budget: {evaluations: 2}', asked 'budget: {evaluations: 3}'")
        self.assert_refused(self.run_script("families.py", *self.ARGS[:-1], "epochs=2,subset=0.05"),
                            "multishot.final.json: kept before steps recorded their options",
                            "--final epochs=1,subset=0.05, asked epochs=2,subset=0.05")
        # Without its experiment file an older search cannot be checked: reused, and said.
        os.remove(self.step_file("multishot.yaml"))
        rc, _, err, calls = self.run_script("families.py", *self.ARGS, "--budget", "multishot=3")
        self.assertEqual((rc, calls), (0, []), err)
        self.assertIn("reused unchecked", err)

    def test_a_supernet_is_checked_by_its_options_or_an_older_ones_command(self):
        args = [("single-shot" if a == "multishot" else a) for a in self.ARGS]
        args[args.index("--budget") + 1] = "single-shot=2"
        rc, _, err, calls = self.run_script("families.py", *args, "--supernet-args", "--epochs 1")
        self.assertEqual((rc, [c[:2] for c in calls][0]), (0, ["supernet", "train"]), err)
        supernet = self.step_file("supernet.json")
        self.assert_refused(self.run_script("families.py", *args, "--supernet-args", "--epochs 2"),
                            supernet + ": made with --supernet-args '--epochs 1', asked '--epochs 2'")
        self.edit("supernet.json", lambda s: s.pop("options"))
        rc, _, err, calls = self.run_script("families.py", *args, "--supernet-args", "--epochs 1")
        self.assertEqual((rc, calls), (0, []), err)
        self.assert_refused(self.run_script("families.py", *args, "--supernet-args", "--epochs 1", "--threads", "2"),
                            supernet + ": kept before steps recorded their options; made with --threads 1, asked 2")

    def test_a_kept_final_training_of_another_space_is_refused(self):
        self.first_run()
        finals = os.path.join(self.dir, "finals")
        kept = os.path.join(finals, os.listdir(finals)[0])
        with open(kept) as f:
            training = json.load(f)
        training["options"]["--space"] = "configs/spaces/other.yaml"
        with open(kept, "w") as f:
            json.dump(training, f)
        os.remove(self.step_file("multishot.final.json"))
        self.assert_refused(self.run_script("families.py", *self.ARGS), kept,
                            "--space configs/spaces/other.yaml, asked configs/spaces/mobilenet-cls-fmnist.yaml")


class FidelityRank(FakeHwnas):
    ARGS = ["--count", "2", "--seed", "1", "--threads", "1", "--low", "epochs=1,subset=0.1", "--high",
            "epochs=2,subset=0.2"]

    def first_run(self):
        rc, out, err, calls = self.run_script("fidelity_rank.py", *self.ARGS)
        self.assertEqual(rc, 0, err)
        self.assertEqual([c[0] for c in calls], ["space"] + ["train"] * 4)
        return out

    def test_a_run_with_the_same_options_reuses_every_training(self):
        table = self.first_run()
        rc, out, err, calls = self.run_script("fidelity_rank.py", *self.ARGS)
        self.assertEqual(rc, 0, err)
        self.assertEqual([c[0] for c in calls], ["space"])  # the sample is drawn again and compared
        self.assertEqual(out, table)

    def test_another_thread_count_is_refused_before_any_training(self):
        self.first_run()
        result = self.run_script("fidelity_rank.py", *self.ARGS, "--threads", "2")
        self.assert_refused(result, os.path.join(self.dir, "000-1-0-epochs1_subset0.1.json"),
                            "trained with --threads 1, asked 2", "another --dir")
        self.assertEqual([c[0] for c in result[3]], ["space"])

    def test_another_sample_is_refused_naming_the_option(self):
        self.first_run()
        record = os.path.join(self.dir, "sample.json")
        for args, said in ((["--seed", "2"], "--seed 1, asked 2"), (["--count", "3"], "--count 2, asked 3"),
                           (["--target", "other"], "--target edgetpu-like, asked other")):
            with self.subTest(args=args):
                result = self.run_script("fidelity_rank.py", *self.ARGS, *args)
                self.assert_refused(result, record, said, f"delete {self.dir}")
                self.assertEqual(result[3], [])

    def test_a_directory_kept_before_sample_json_is_checked_by_its_sample(self):
        self.first_run()
        record = os.path.join(self.dir, "sample.json")
        os.remove(record)
        self.assert_refused(self.run_script("fidelity_rank.py", *self.ARGS, "--seed", "2"),
                            "holds another sample", "first difference: sample-000.yaml")
        self.assertFalse(os.path.exists(record))
        rc, _, err, calls = self.run_script("fidelity_rank.py", *self.ARGS)
        self.assertEqual((rc, [c[0] for c in calls]), (0, ["space"]), err)
        with open(record) as f:
            self.assertEqual(json.load(f)["--seed"], 1)  # recorded once the sample matched


if __name__ == "__main__":
    unittest.main()
