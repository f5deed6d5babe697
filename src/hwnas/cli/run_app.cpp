#include "hwnas/cli/run_app.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/suggest.h"
#include "hwnas/cli/resume_note.h"

namespace hwnas::cli {
namespace {

/// Whether mpirun started this process as a rank other than 0 (OpenMPI's environment).
bool quiet_mpi_rank() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  return rank != nullptr && *rank != '\0' && std::string(rank) != "0";
}

/// The subcommands the command line chose, outermost first ("evaluate" for hwnas evaluate).
std::vector<CLI::App*> chosen_path(CLI::App& app) {
  std::vector<CLI::App*> path = {&app};
  while (!path.back()->get_subcommands().empty()) path.push_back(path.back()->get_subcommands().front());
  return path;
}

/// "hwnas evaluate": the program and the chosen subcommands.
std::string command_words(const std::vector<CLI::App*>& path) {
  std::string words = "hwnas";
  for (std::size_t i = 1; i < path.size(); ++i) words += " " + path[i]->get_name();
  return words;
}

/// Other tools' spellings of an option, and ours (with the value that says the same, for a
/// flag that is one of our option's values): suggested when the command has ours.
struct Synonym {
  std::string_view theirs, ours, value;
};
constexpr Synonym kSynonyms[] = {{"--output", "--out", ""},
                                 {"--output", "--save", ""},
                                 {"--output-dir", "--out", ""},
                                 {"--resolution", "--res", ""},
                                 {"--resume-from", "--resume", ""},
                                 {"--subnets", "--random-subnets", ""},
                                 {"--progressive", "--schedule", "progressive"},
                                 {"--progressive-shrinking", "--schedule", "progressive"},
                                 {"--sandwich", "--schedule", "sandwich"}};

/// Why `word`, an argument no option or positional took, is there, when the argument
/// before it in `args` (the command line) says: a flag given a value ("--resume c.ckpt":
/// --resume takes none) or --set KEY VALUE (--set takes KEY=VALUE); else "". The word may
/// stand in `args` more than once (--checkpoint c.ckpt --resume c.ckpt): any place says.
std::string stray_value(const std::string& word, const std::vector<std::string>& args, const CLI::App& command) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] != word) continue;
    const std::string& before = args[i - 1];
    if (i >= 2 && args[i - 2] == "--set" && before.find('=') == std::string::npos)
      return fmt::format("--set takes KEY=VALUE: give --set {}={}", printable(before), printable(word));
    const CLI::Option* flag = before.starts_with("--") ? command.get_option_no_throw(before) : nullptr;
    if (flag == nullptr || flag->get_expected_max() != 0) continue;
    if (before == "--resume")  // what it resumes is named by another option
      for (const char* where : {"--checkpoint", "--out"})
        if (command.get_option_no_throw(where) != nullptr)
          return fmt::format("--resume takes no value: it continues what {} names (give {} {} --resume)", where,
                             where, printable(word));
    return fmt::format("{} takes no value; drop '{}'", before, printable(word));
  }
  return "";
}

/// "--seed is a key of the experiment file, ...: give --set seed=3" when `name` (with
/// `value`) names one of `set.keys`, else "".
std::string set_key_hint(const std::string& name, const std::string& value, const OptionHints::SetKeys& set,
                         const std::string& command) {
  const std::vector<std::string>& keys = set.keys;
  std::string key = name.substr(name.find_first_not_of('-'));
  std::replace(key.begin(), key.end(), '-', '_');
  const auto matching = [&](const auto& matches) {
    std::vector<std::string> found;
    std::copy_if(keys.begin(), keys.end(), std::back_inserter(found), matches);
    return found;
  };
  // The key itself first, then those it ends ("--batch": batch, or parallel.batch); else
  // those under it ("--budget").
  std::vector<std::string> found = matching([&](const std::string& k) { return k == key; });
  for (const std::string& k : matching([&](const std::string& k) { return k.ends_with("." + key); }))
    found.push_back(k);
  if (found.empty()) found = matching([&](const std::string& k) { return k.starts_with(key + "."); });
  if (found.empty()) return "";
  std::string others;
  for (std::size_t i = 1; i < found.size(); ++i) others += (i == 1 ? " (or " : ", ") + found[i];
  return fmt::format("{} is a key of {}, not an option of '{}': give --set {}={}{}", printable(name), set.file, command,
                     found.front(), printable(value), others.empty() ? "" : others + ")");
}

/// One line about the first argument no option or positional of the chosen command took
/// (an unknown option: is it a key --set takes, another tool's spelling, another
/// command's?), or "" when parsing left none. CLI11 reports a missing required option
/// before them, and words them "The following arguments were not expected: 3 --epochs".
std::string unexpected_argument(CLI::App& app, const std::vector<CLI::App*>& path, const OptionHints& hints,
                                const std::vector<std::string>& args) {
  const std::vector<std::string> extra = app.remaining(true);
  if (extra.empty()) return "";
  const auto option = std::find_if(extra.begin(), extra.end(), [](const std::string& a) { return a.starts_with("-"); });
  const std::string command = command_words(path);
  if (option == extra.end()) {
    const std::string why = stray_value(extra.front(), args, *path.back());
    return fmt::format("unexpected argument '{}' for '{}'{}", printable(extra.front()), command,
                       why.empty() ? "" : ": " + why);
  }
  const std::string name = option->substr(0, option->find('='));
  if (const auto keys = hints.set_keys.find(command); keys != hints.set_keys.end()) {
    const bool follows = option + 1 != extra.end() && !(option + 1)->starts_with("-");
    const std::string value = name.size() < option->size() ? option->substr(name.size() + 1)
                              : follows                    ? *(option + 1)
                                                           : "VALUE";
    if (const std::string hint = set_key_hint(name, value, keys->second, command); !hint.empty()) return hint;
  }
  for (const auto& [theirs, ours, value] : kSynonyms)
    if (name == theirs && path.back()->get_option_no_throw(std::string(ours)) != nullptr)
      return fmt::format("unknown option '{}' for '{}' (did you mean '{}{}{}'?)", name, command, ours,
                         value.empty() ? "" : " ", value);
  if (path.size() >= 2)  // an option of a sibling command, e.g. train's --epochs given to evaluate
    for (const CLI::App* sibling : path[path.size() - 2]->get_subcommands([](const CLI::App*) { return true; }))
      if (sibling != path.back() && sibling->get_option_no_throw(name) != nullptr)  // 'hwnas supernet eval'
        return fmt::format("{} is an option of '{} {}', not of '{}'", printable(name),
                           command_words({path.begin(), path.end() - 1}), sibling->get_name(), command);
  // A misspelt option of this command ("--proxies" for "--proxy"): the one long name it
  // begins ("--sched" for "--schedule"), else the closest.
  std::vector<std::string> names;
  for (const CLI::Option* o : path.back()->get_options())
    for (const std::string& long_name : o->get_lnames()) names.push_back("--" + long_name);
  std::vector<std::string> begun;
  std::copy_if(names.begin(), names.end(), std::back_inserter(begun),
               [&](const std::string& n) { return n.starts_with(name); });
  if (name.size() >= 5 && begun.size() == 1)
    return fmt::format("unknown option '{}' for '{}' (did you mean '{}'?)", printable(name), command, begun.front());
  const std::vector<std::string_view> known(names.begin(), names.end());
  const std::string close = closest_name(name, known);
  return fmt::format("unknown option '{}' for '{}'{}", printable(name), command,
                     close.empty() ? "" : " (did you mean '" + close + "'?)");
}

/// CLI11's "--out: At Most 1 required but received 2" (an option given twice) in our
/// words, "--out given 2 times; give it once", and its "--lr: 1 required TEXT missing" (an
/// option last on the line, without its value) "--lr needs a value (--lr VALUE)"; "" for any
/// other message.
std::string option_count_error(const std::string& message) {
  static const std::regex at_most(R"(^(-[^:]*): At Most (\d+) required but received (\d+)$)");
  static const std::regex missing(R"(^(--?[^: ]+): \d+ required \S+ missing$)");
  std::smatch m;
  if (std::regex_match(message, m, missing))
    return fmt::format("{} needs a value ({} VALUE)", printable(m[1].str()), printable(m[1].str()));
  if (!std::regex_match(message, m, at_most)) return "";
  if (m[2] == "1") return fmt::format("{} given {} times; give it once", printable(m[1].str()), m[3].str());
  return fmt::format("{} given {} times; give it at most {} times", printable(m[1].str()), m[3].str(), m[2].str());
}

/// Makes a flag given twice (`--serve --serve`) an error, as an option given twice is,
/// rather than CLI11's silent "the last one wins" (s27 fresh-user finding 12).
void refuse_repeated_flags(CLI::App& app) {
  for (CLI::Option* option : app.get_options())
    if (option->get_expected_max() == 0) option->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) refuse_repeated_flags(*sub);
}

}  // namespace

int run_app(CLI::App& app, int argc, char** argv, const OptionHints& hints) {
  // --help's option column (CLI11's default 30) holds the longest option with its type and
  // default, "--calibration-images INT=2000", and the two spaces before its description.
  app.get_formatter()->column_width(34);
  record_command_line(argc, argv);
  refuse_repeated_flags(app);
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // Under mpirun every rank parses the same command line: only rank 0 prints what
      // parsing finds (help, or the error), so the user reads it once, and the others end
      // with 0, so that mpirun, which kills the job when a rank ends non-zero, does not
      // kill rank 0 before it has printed (docs/parallel.md).
      if (!quiet_mpi_rank()) throw;
      return 0;
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // "hwnas frob": CLI11 only says a subcommand is required; name the word it did not know.
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::string commands;
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        commands += (commands.empty() ? "" : ", ") + sub->get_name();
      fmt::print(stderr, "hwnas: unknown command '{}'; use one of: {}; run 'hwnas --help'\n",
                 printable(argv[1]), commands);
      return kBadInput;
    }
    const std::vector<CLI::App*> path = chosen_path(app);
    std::string what = unexpected_argument(app, path, hints, std::vector<std::string>(argv + 1, argv + argc));
    if (what.empty()) what = option_count_error(e.what());
    if (what.empty()) what = printable(e.what());  // quotes argv
    fmt::print(stderr, "hwnas: {}; run '{} --help'\n", what, command_words(path));
    return kBadInput;
  } catch (const UserError& e) {
    fmt::print(stderr, "hwnas: {}\n", e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hwnas: internal error: {}\n", printable(e.what()));
    return kInternalError;
  }
  return 0;
}

}  // namespace hwnas::cli
