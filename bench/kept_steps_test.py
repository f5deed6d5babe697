#!/usr/bin/python3
"""bench/families.py and bench/fidelity_rank.py reuse a kept step only when it was made with
the options asked (and, for families.py, the same space file and target description), and
exit 2 with one line otherwise; the same for a damaged kept file and for bad options,
which both check before anything runs or is written. Against a fake hwnas (written here:
no search, no training), in temporary directories. bench/fidelity_noise.py's taus and
attenuation ceiling by hand, and its bad input:

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
    elif args[:2] == ["targets", "show"]:
        if args[2] == "bogus":
            sys.exit("hwnas: target 'bogus': no such preset; use a description YAML path or one of: edgetpu-like")
        if os.path.isfile(args[2]):
            with open(args[2]) as f:
                print(f.read(), end="")
        else:
            print(f"name: {args[2]}")
    elif args[:2] == ["space", "show"]:
        if not os.path.isfile(args[2]):
            sys.exit(f"hwnas: {args[2]}: cannot read the space file (No such file or directory); check the path")
        print(json.dumps({"space": "fake"}))
    elif args[:2] == ["proxy", "--help"]:
        print("  --proxy TEXT ... REQUIRED       Proxies, comma-separated: synflow, snip, params")
    elif args[0] == "proxy":  # a score per model and proxy: the model file's first number times the proxy's rank
        proxies = flag("--proxy").split(",")
        models = [a for a in args[1:args.index("--proxy")]]
        print(json.dumps({"seconds": 0.0, "models": [
            {"model": m, "scores": {p: {"defined": True, "value": float(open(m).read().split()[0]) * (k + 1)}
                                    for k, p in enumerate(proxies)}} for m in models]}))
    elif args[0] == "train":
        print(json.dumps({"status": "ok", "metrics": {"top1": 0.85}, "threads": int(flag("--threads")),
                          "train_seconds": 1.0}))
    else:
        sys.exit(f"fake hwnas: unexpected {args}")
''')


# The quick calls that check options (families.py: the target, the space, the proxies).
CHECKS = (["targets", "show"], ["space", "show"], ["proxy", "--help"])


def work(calls):
    """The calls that run a step (not the quick checks of the options)."""
    return [c for c in calls if c[:2] not in CHECKS]


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

    def restore(self, path, text):
        """Puts `text` back at `path` (a file or a directory, self.damage)."""
        os.rmdir(path) if os.path.isdir(path) else os.remove(path)
        with open(path, "w") as f:
            f.write(text)

    def damage(self, path, how):
        """Replaces the file at `path` by an empty one, one cut short, a directory, a JSON list."""
        os.remove(path)
        if how == "directory":
            os.mkdir(path)
            return
        with open(path, "w") as f:
            f.write({"empty": "", "cut short": '{"options": {"--space": "con', "a list": "[1, 2]"}[how])


class Families(FakeHwnas):
    ARGS = ["--families", "multishot", "--seeds", "1", "--threads", "1", "--budget", "multishot=2",
            "--fidelity", "epochs=1,subset=0.01", "--final", "epochs=1,subset=0.05"]

    def first_run(self):
        rc, out, err, calls = self.run_script("families.py", *self.ARGS)
        self.assertEqual(rc, 0, err)
        self.assertEqual([c[0] for c in work(calls)], ["search", "space", "train"])
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
        self.assertEqual((rc, work(calls)), (0, []), err)
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
                self.assertEqual(work(result[3]), [])
        # A dry run checks alike (before it prints what it would run).
        self.assert_refused(self.run_script("families.py", *self.ARGS, "--budget", "multishot=3", "--dry-run"),
                            "--budget multishot 2, asked 3")

    def test_the_same_options_in_another_order_are_the_same(self):
        self.first_run()
        args = list(self.ARGS)
        args[args.index("--fidelity") + 1] = "subset=0.01,epochs=1"
        rc, _, err, calls = self.run_script("families.py", *args)
        self.assertEqual((rc, work(calls)), (0, []), err)

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
        self.assertEqual((rc, work(calls)), (0, []), err)
        # The search by its experiment file, the final training by its command.
        self.assert_refused(self.run_script("families.py", *self.ARGS, "--budget", "multishot=3"),
                            "multishot.search.json: kept before steps recorded their options",
                            "made with --budget multishot (line 8 of its experiment file "
                            f"{self.step_file('multishot.yaml')}) 'budget: {{evaluations: 2}}', asked "
                            "'budget: {evaluations: 3}'")
        self.assert_refused(self.run_script("families.py", *self.ARGS[:-1], "epochs=2,subset=0.05"),
                            "multishot.final.json: kept before steps recorded their options",
                            "--final epochs=1,subset=0.05, asked epochs=2,subset=0.05")
        # Without its experiment file an older search cannot be checked: reused, and said.
        os.remove(self.step_file("multishot.yaml"))
        rc, _, err, calls = self.run_script("families.py", *self.ARGS, "--budget", "multishot=3")
        self.assertEqual((rc, work(calls)), (0, []), err)
        self.assertIn("reused unchecked", err)

    def test_a_supernet_is_checked_by_its_options_or_an_older_ones_command(self):
        args = [("single-shot" if a == "multishot" else a) for a in self.ARGS]
        args[args.index("--budget") + 1] = "single-shot=2"
        rc, _, err, calls = self.run_script("families.py", *args, "--supernet-args", "--epochs 1")
        self.assertEqual((rc, [c[:2] for c in work(calls)][0]), (0, ["supernet", "train"]), err)
        supernet = self.step_file("supernet.json")
        self.assert_refused(self.run_script("families.py", *args, "--supernet-args", "--epochs 2"),
                            supernet + ": made with --supernet-args '--epochs 1', asked '--epochs 2'")
        self.edit("supernet.json", lambda s: s.pop("options"))
        rc, _, err, calls = self.run_script("families.py", *args, "--supernet-args", "--epochs 1")
        self.assertEqual((rc, work(calls)), (0, []), err)
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


    def test_a_kept_step_of_an_edited_space_file_or_target_description_is_refused(self):
        space = os.path.join(self.tmp.name, "space.yaml")
        target = os.path.join(self.tmp.name, "target.yaml")
        with open(os.path.join(os.path.dirname(BENCH), "configs/spaces/mobilenet-cls-fmnist.yaml")) as f:
            text = f.read()
        for path, content in ((space, text), (target, "name: t\n")):
            with open(path, "w") as f:
                f.write(content)
        args = [*self.ARGS, "--space", space, "--target", target]
        rc, _, err, calls = self.run_script("families.py", *args)
        self.assertEqual((rc, [c[0] for c in work(calls)]), (0, ["search", "space", "train"]), err)
        search = self.step_file("multishot.search.json")
        for path, said in ((space, "--space's content (sha256)"), (target, "--target's description (sha256)")):
            with self.subTest(edited=path):
                with open(path) as f:
                    content = f.read()
                with open(path, "a") as f:
                    f.write("# edited\n")
                for dry in ([], ["--dry-run"]):
                    result = self.run_script("families.py", *args, *dry)
                    self.assert_refused(result, f"{search}: made with {said} ", ", asked ", f"delete {search}")
                    self.assertEqual(work(result[3]), [])
                with open(path, "w") as f:
                    f.write(content)
                rc, _, err, calls = self.run_script("families.py", *args)
                self.assertEqual((rc, work(calls)), (0, []), err)

    def test_a_damaged_kept_step_is_refused_in_one_line(self):
        self.first_run()
        finals = os.path.join(self.dir, "finals")
        kept_final = os.path.join(finals, os.listdir(finals)[0])
        for name in ("multishot.search.json", "multishot.final.json", kept_final):
            for how, said in (("empty", "(empty)"), ("cut short", "(cut short or damaged: "),
                              ("directory", "(a directory)"), ("a list", "(a JSON list)")):
                with self.subTest(name=name, how=how):
                    path = self.step_file(name)
                    with open(path) as f:
                        kept = f.read()
                    if name == kept_final:  # its final.json would reuse it without reading it
                        os.rename(self.step_file("multishot.final.json"), self.step_file("final.json.saved"))
                    self.damage(path, how)
                    try:
                        for dry in ([], ["--dry-run"]):
                            result = self.run_script("families.py", *self.ARGS, *dry)
                            self.assert_refused(result, f"{path}: not a JSON object {said}",
                                                "; delete it to recompute the step")
                            # The final training is looked up after its network is decoded (printed on a dry run).
                            decoded = [["space", "decode"]] if name == kept_final and not dry else []
                            self.assertEqual([c[:2] for c in work(result[3])], decoded)
                    finally:
                        self.restore(path, kept)
                    if name == kept_final:
                        os.rename(self.step_file("final.json.saved"), self.step_file("multishot.final.json"))
        # A JSON object that is not the step: its result is missing.
        self.edit("multishot.search.json", lambda s: s.pop("answer"))
        self.assert_refused(self.run_script("families.py", *self.ARGS),
                            self.step_file("multishot.search.json") + ': a JSON object without "answer.best"')

    def test_bad_options_are_refused_before_any_step_and_on_a_dry_run(self):
        tried = []
        for args, said in ((["--limit-ms", "-1"], "--limit-ms -1.0: give a latency limit in ms above 0"),
                           (["--limit-ms", "nan"], "--limit-ms nan:"),
                           (["--fidelity", "epochs=0,subset=0.01"],
                            "--fidelity 'epochs=0,subset=0.01': epochs=0 is not a whole number in [1, 10000]"),
                           (["--fidelity", "epochs=1,subset=2"],
                            "--fidelity 'epochs=1,subset=2': subset=2 is not a number in (0, 1]"),
                           (["--fidelity", "foo=1"], "--fidelity 'foo=1': unknown key 'foo'; use epochs, subset"),
                           (["--fidelity", "epochs=1,epochs=2"], "--fidelity 'epochs=1,epochs=2': epochs given twice"),
                           (["--low-fidelity", "epochs=3,subset=0.5", "--families", "multi-fidelity", "--budget",
                             "multi-fidelity=2"], "--low-fidelity epochs=3,subset=0.5 is not below --fidelity "
                                                  "epochs=1,subset=0.01: epochs 3 > 1"),
                           (["--low-fidelity", "subset=0.01,epochs=1", "--families", "multi-fidelity", "--budget",
                             "multi-fidelity=2"], "--low-fidelity subset=0.01,epochs=1 trains as --fidelity "
                                                  "epochs=1,subset=0.01"),
                           (["--low-fidelity", "epochs=3,subset=0.5", "--families", "hybrid-mf", "--budget",
                             "hybrid-mf=2"], "--low-fidelity epochs=3,subset=0.5 is not below --fidelity "
                                             "epochs=1,subset=0.01: epochs 3 > 1"),
                           (["--families", "hybrid-mf", "--budget", "hybrid-mf=2", "--low-fidelity",
                             "epochs=1,subset=0.005", "--proxy", "synflw"],
                            "--proxy synflw: not a proxy of hwnas; use one of synflow, snip, params"),
                           (["--eta", "1"], "--eta 1: give 2 to 100"),
                           (["--mf-eta", "101"], "--mf-eta 101: give 2 to 100"),
                           (["--hybrid-candidates", "2"], "--hybrid-candidates 2: give --eta (4) to 1000000"),
                           (["--budget", "multishot=0"], "--budget multishot=0: give a whole number >= 1"),
                           (["--budget", "multishot=x"], "--budget multishot=x: give a whole number >= 1"),
                           (["--threads", "0"], "--threads 0: give 1 to 1024"),
                           (["--final", "epochs=x"], "--final 'epochs=x': epochs=x is not a whole number"),
                           (["--final", "threads=2"], "--final 'threads=2': unknown key 'threads'"),
                           (["--seeds", "x"], "--seeds 'x': 'x' is not a whole number >= 0"),
                           (["--seeds", ""], "--seeds '': '' is not a whole number >= 0"),
                           (["--seeds", "-1"], "--seeds '-1'"),
                           (["--seeds", "1,1"], "--seeds '1,1': 1 given twice"),
                           (["--families", "multishot,multishot"],
                            "--families 'multishot,multishot' names a family twice"),
                           (["--space", "/nonexistent.yaml"], "--space /nonexistent.yaml (--target edgetpu-like): "
                                                              "hwnas: /nonexistent.yaml: cannot read the space file"),
                           (["--target", "bogus"], "--target bogus: hwnas: target 'bogus': no such preset"),
                           (["--families", "zero-shot", "--budget", "zero-shot=2", "--proxy", "synflw"],
                            "--proxy synflw: not a proxy of hwnas; use one of synflow, snip, params")):
            # Half of them on a dry run, half on a real run: both check before the first step.
            dry = ["--dry-run"] if len(tried) % 2 else []
            tried.append(dry)
            with self.subTest(args=args, dry=dry):
                result = self.run_script("families.py", *self.ARGS, *args, *dry)
                self.assert_refused(result, "families: " + said)
                self.assertEqual(work(result[3]), [])
                self.assertFalse(os.path.exists(self.dir))

    def test_a_dry_run_writes_nothing(self):
        rc, out, err, calls = self.run_script("families.py", *self.ARGS, "--dry-run")
        self.assertEqual((rc, work(calls)), (0, []), err)
        self.assertFalse(os.path.exists(self.dir))
        self.assertIn(f"cat > {self.step_file('multishot.yaml')} <<'EOF'\nspace: ", out)
        self.assertIn("budget: {evaluations: 2}\nseed: 1\nEOF\n", out)

    def test_hybrid_mf_screens_by_the_proxy_then_trains_at_both_fidelities_without_a_supernet(self):
        args = ["--families", "hybrid-mf", "--seeds", "1", "--threads", "1", "--budget", "hybrid-mf=3",
                "--fidelity", "epochs=2,subset=0.2", "--low-fidelity", "epochs=1,subset=0.1,resolution=16",
                "--hybrid-candidates", "16", "--eta", "8", "--final", "epochs=1,subset=0.05"]
        rc, out, err, calls = self.run_script("families.py", *args, "--dry-run")
        self.assertEqual(rc, 0, err)
        self.assertIn("  eta: 8\n  candidates: 16\n  rungs: [{proxy: {name: synflow, reference: 100, threads: 1}}, "
                      "{epochs: 1, subset: 0.1, resolution: 16}, {epochs: 2, subset: 0.2}]\n", out)
        self.assertNotIn("supernet", out)
        rc, out, err, calls = self.run_script("families.py", *args)
        self.assertEqual(rc, 0, err)
        self.assertEqual([c[0] for c in work(calls)], ["search", "space", "train"])
        with open(self.step_file("hybrid-mf.search.json")) as f:
            options = json.load(f)["options"]
        self.assertEqual((options["--low-fidelity"], options["--eta"], options["--hybrid-candidates"]),
                         ({"epochs": "1", "subset": "0.1", "resolution": "16"}, 8, 16))
        self.assertNotIn("--supernet-args", options)
        # Another low fidelity is another search: refused, naming the option.
        self.assert_refused(self.run_script("families.py", *args[:-4], "--low-fidelity", "epochs=1,subset=0.05",
                                            *args[-4:]), "--low-fidelity")


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
        kept = [os.path.join(self.dir, f"00{i}-1-{i}-{fidelity}.json") for fidelity in ("epochs1_subset0.1",
                                                                                     "epochs2_subset0.2")
                for i in range(2)]
        # Every kept file that disagrees is named, with one command that deletes them all.
        self.assert_refused(result, "4 kept training(s) ran with --threads 1, asked 2", "another --dir",
                            *(f"{os.path.basename(k)} (1)" for k in kept), "rm " + " ".join(kept))
        self.assertEqual([c[0] for c in result[3]], ["space"])
        subprocess.run(["sh", "-c", "rm " + result[2].rpartition(": rm ")[2]], check=True)  # the command given works
        rc, _, err, calls = self.run_script("fidelity_rank.py", *self.ARGS, "--threads", "2")
        self.assertEqual((rc, [c[0] for c in calls]), (0, ["space"] + ["train"] * 4), err)

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


    def test_a_damaged_kept_file_is_refused_in_one_line(self):
        self.first_run()
        training = os.path.join(self.dir, "001-1-1-epochs2_subset0.2.json")
        for path in (os.path.join(self.dir, "sample.json"), training):
            for how, said in (("empty", "(empty)"), ("cut short", "(cut short or damaged: "),
                              ("directory", "(a directory)"), ("a list", "(a JSON list)")):
                with self.subTest(path=path, how=how):
                    with open(path) as f:
                        kept = f.read()
                    self.damage(path, how)
                    try:
                        result = self.run_script("fidelity_rank.py", *self.ARGS)
                        self.assert_refused(result, f"{path}: not a JSON object {said}",
                                            "; delete it to recompute the step")
                        self.assertNotIn("train", [c[0] for c in result[3]])
                    finally:
                        self.restore(path, kept)

    def test_a_kept_training_that_does_not_say_its_threads_is_refused(self):
        self.first_run()
        path = os.path.join(self.dir, "000-1-0-epochs2_subset0.2.json")
        with open(path) as f:
            kept = json.load(f)
        kept.pop("threads")
        with open(path, "w") as f:
            json.dump(kept, f)
        result = self.run_script("fidelity_rank.py", *self.ARGS)
        self.assert_refused(result, f"{path}: does not say its threads", "delete it to recompute the step")
        self.assertEqual([c[0] for c in result[3]], ["space"])

    def test_tau_of_equal_accuracies_is_said_undefined(self):
        out = self.first_run()  # the fake trains every candidate to 85 %
        self.assertIn("Kendall tau-b over 2 candidates (both trainings ok): undefined (all accuracies of a column "
                      "equal)", out)
        self.assertNotIn("nan", out)

    def test_bad_options_are_refused_before_anything_is_drawn_or_written(self):
        for args, said in ((["--jobs", "0"], "--jobs 0: give a whole number >= 1"),
                           (["--threads", "0"], "--threads 0: give a whole number >= 1"),
                           (["--count", "0"], "--count 0: give a whole number >= 1"),
                           (["--low", "epochs=0"], "--low 'epochs=0': epochs=0 is not a whole number in [1, 10000]"),
                           (["--low", "epochs=x"], "--low 'epochs=x': epochs=x is not a whole number"),
                           (["--high", "subset=2"], "--high 'subset=2': subset=2 is not a number in (0, 1]"),
                           (["--high", "epochs=2,foo=1"], "--high 'epochs=2,foo=1': unknown key 'foo'; use epochs"),
                           (["--high", "epochs"], "'epochs' in --high 'epochs' is not KEY=VALUE"),
                           (["--high", "subset=0.10,epochs=1,seed=0"], "--low epochs=1,subset=0.1 and --high "
                                                                      "subset=0.10,epochs=1,seed=0 are the same "
                                                                      "training")):
            with self.subTest(args=args):
                result = self.run_script("fidelity_rank.py", *self.ARGS, *args)
                self.assert_refused(result, "fidelity_rank: " + said)
                self.assertEqual(result[3], [])
                self.assertFalse(os.path.exists(self.dir))


class ProxyRank(FakeHwnas):
    """bench/proxy_rank.py: tau-b and rho by hand on three candidates, the kept scores reused,
    and bad input one line, exit 2, before anything is scored."""

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.dir, "models"))
        for i, (macs, top1) in enumerate(((1, 0.90), (3, 0.92), (2, 0.93))):
            with open(os.path.join(self.dir, "models", f"sample-{i:03}.yaml"), "w") as f:
                f.write(f"{macs}\n")
            with open(os.path.join(self.dir, f"{i:03}-g-epochs10_subset1.json"), "w") as f:
                json.dump({"status": "ok", "metrics": {"top1": top1}}, f)

    def run_rank(self, *args):
        return self.run_script("proxy_rank.py", "--proxies", "snip,params", "--against", "epochs=10,subset=1", *args)

    def test_taus_by_hand_and_the_kept_scores_reused(self):
        rc, out, err, calls = self.run_rank()
        self.assertEqual(rc, 0, err)
        # Scores 1, 3, 2 (snip; params twice them) against 90, 92, 93: pairs (0,1) and (0,2)
        # concordant, (1,2) discordant: tau-b = 1/3; ranks 1,3,2 vs 1,2,3: rho = 0.5.
        self.assertIn("| snip | 0.333 / 0.500 |", out)
        self.assertIn("| params | 0.333 / 0.500 |", out)
        self.assertEqual([c[0] for c in work(calls)], ["proxy"])
        rc, again, err, calls = self.run_rank()
        self.assertEqual((rc, work(calls), again), (0, [], out), err)

    def test_bad_input_is_one_line_exit_2(self):
        kept = os.path.join(self.dir, "proxies_batch64_seed0_threads1.json")
        for args, said in ((["--proxies", "snip,bogus"], "'bogus' is not a proxy of hwnas; use synflow, snip, params"),
                           (["--proxies", "snip,snip"], "names a proxy twice"),
                           (["--batch", "0"], "--batch 0: give 1 to 60000"),
                           (["--against", "epochs=5,subset=1"], "--against 'epochs=5,subset=1': no training kept"),
                           (["--against", "epochs=10,subset=1;"], "an empty fidelity"),
                           (["--against", "epochs=x"], "epochs=x is not a whole number")):
            with self.subTest(args=args):
                rc, out, err, calls = self.run_rank(*args)  # the last of an option given twice counts
                self.assertEqual(rc, 2, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn(said, err)
                self.assertEqual(work(calls), [])
        for damaged in ('{"scores": []}', '{"scores": {"snip": {"0": "x"}}}', '{"scores": {"snip": {"0": NaN}}}'):
            with self.subTest(kept=damaged):
                with open(kept, "w") as f:
                    f.write(damaged)
                rc, out, err, calls = self.run_rank()
                self.assertEqual((rc, work(calls)), (2, []), err)
                self.assertIn("not a file this script wrote", err)
        os.remove(kept)
        with open(os.path.join(self.dir, "001-g-epochs10_subset1.json"), "w") as f:
            json.dump({"status": "ok"}, f)
        rc, out, err, calls = self.run_rank()
        self.assertEqual(rc, 2, err)
        self.assertIn("001-g-epochs10_subset1.json: not a training of hwnas train", err)


class FidelityNoise(unittest.TestCase):
    """bench/fidelity_noise.py reads kept trainings (nothing trained): hand-computed taus and
    ceiling on four candidates; bad options and directories are one line, exit 2."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def keep(self, fidelity, accuracies):
        for i, top1 in enumerate(accuracies):
            with open(os.path.join(self.dir, f"{i:03}-0-1-{fidelity}.json"), "w") as f:
                json.dump({"status": "ok", "threads": 1, "metrics": {"top1": top1 / 100}}, f)

    def run_script(self, *args):
        r = subprocess.run([sys.executable, os.path.join(BENCH, "fidelity_noise.py"), "--dir", self.dir, *args],
                           capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr

    def test_taus_and_the_attenuation_ceiling_by_hand(self):
        # L' swaps the first two of L and H' the last two of H: each 5 concordant pairs of 6,
        # tau (5 - 1) / 6 = 0.667, r = sin(pi/3) = 0.866; the ceiling sqrt(0.866 * 0.866)
        # back to tau is 0.667 again. L and H agree: 1.
        self.keep("epochs1_subset0.1667", [80, 81, 82, 83])
        self.keep("epochs1_subset0.1667_seed1", [81, 80, 82, 83])
        self.keep("epochs10_subset1", [90, 91, 92, 93])
        self.keep("epochs10_subset1_seed1", [90, 91, 93, 92])
        rc, out, err = self.run_script("--bootstrap", "0")
        self.assertEqual(rc, 0, err)
        self.assertIn("4 candidates", out)
        self.assertIn("tau-b  L vs H   1.000", out)
        self.assertIn("tau-b  L vs L'  0.667", out)
        self.assertIn("tau-b  H vs H'  0.667", out)
        self.assertIn("tau-b L' vs H'  0.333", out)  # one pair discordant each side: (4 - 2) / 6
        self.assertIn("attenuation ceiling of tau-b low vs one high run: 0.667 (r_LL' 0.866, r_HH' 0.866)", out)
        self.assertIn("epochs=1,subset=0.1667: one architecture's top-1 moves by 0.50 pt between training seeds 0 "
                      "and 1 (mean |L - L'|; largest 1.00)", out)

    def test_bad_input_is_one_line_exit_2(self):
        self.keep("epochs1_subset0.1667", [80, 81])
        with open(os.path.join(self.dir, "002-0-1-epochs10_subset1.json"), "w") as f:
            f.write("{cut")
        for args, said in ((["--low", "epochs=0"], "fidelity_noise: --low 'epochs=0': epochs=0 is not a whole number"),
                           (["--high", "epochs=10,seed=1"], "give the fidelity without seed="),
                           (["--seed-b", "0"], "--seed-b 0: give a whole number >= 1"),
                           (["--dir", os.path.join(self.dir, "none")], "no such directory"),
                           ([], "002-0-1-epochs10_subset1.json: not JSON")):
            with self.subTest(args=args):
                rc, out, err = self.run_script(*args)
                self.assertEqual(rc, 2, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn(said, err)
        os.remove(os.path.join(self.dir, "002-0-1-epochs10_subset1.json"))
        rc, out, err = self.run_script()
        self.assertEqual(rc, 2, err)
        self.assertIn("0 candidate(s) have ok trainings at all four", err)


if __name__ == "__main__":
    unittest.main()
