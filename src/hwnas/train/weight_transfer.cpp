#include "hwnas/train/weight_transfer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/network.h"

namespace hwnas::train {
namespace {

// The leading region both shapes have, when `file` may seed `own` by its leading channels
// (weight_transfer.h): same rank, same dims from 2 on, and, for rank >= 2, dim 1 either 1 in
// both or above 1 in both. nullopt otherwise.
std::optional<std::vector<std::int64_t>> leading_overlap(at::IntArrayRef file, at::IntArrayRef own) {
  if (file.size() != own.size() || file.empty()) return std::nullopt;
  for (std::size_t d = 2; d < own.size(); ++d)
    if (file[d] != own[d]) return std::nullopt;
  if (own.size() >= 2 && (file[1] == 1) != (own[1] == 1)) return std::nullopt;
  std::vector<std::int64_t> region(own.begin(), own.end());
  for (std::size_t d = 0; d < std::min<std::size_t>(2, own.size()); ++d) region[d] = std::min(file[d], own[d]);
  return region;
}

torch::Tensor leading(const torch::Tensor& t, const std::vector<std::int64_t>& region) {
  torch::Tensor view = t;
  for (std::size_t d = 0; d < region.size(); ++d) view = view.narrow(static_cast<std::int64_t>(d), 0, region[d]);
  return view;
}

std::int64_t count(const std::vector<std::int64_t>& region) {
  std::int64_t n = 1;
  for (std::int64_t v : region) n *= v;
  return n;
}

// One planned copy: the network's tensor (or its leading region) from the file's.
struct Copy {
  torch::Tensor into;
  const torch::Tensor* from;
  std::optional<std::vector<std::int64_t>> region;  // nullopt: the whole tensor
};

}  // namespace

WeightTransfer init_from_weights(NetworkImpl& network, const std::string& path) {
  const WeightsFile file = read_weights_or_checkpoint(path, "weights file (--init-from)");
  WeightTransfer t;
  t.path = path;
  t.source_model = file.stamp.model;
  std::map<std::string_view, const torch::Tensor*> given;
  for (const auto& [name, tensor] : file.tensors) given.emplace(name, &tensor);
  std::set<std::string_view> parameters, taken;
  const NamedTensors own_parameters = network.graph_parameters();
  for (const auto& entry : own_parameters) parameters.insert(entry.first);

  std::vector<Copy> plan;
  const NamedTensors own = network.named_state();
  for (const auto& [name, tensor] : own) {
    const bool parameter = parameters.contains(name);
    if (parameter) t.network_params += tensor.numel();
    const auto it = given.find(name);
    if (it == given.end()) {
      t.skipped.push_back({name, "absent from the file"});
      continue;
    }
    const torch::Tensor& from = *it->second;
    if (from.sizes() == tensor.sizes()) {
      taken.insert(it->first);
      plan.push_back({tensor, &from, std::nullopt});
      ++t.copied_tensors;
      if (parameter) t.copied_params += tensor.numel();
    } else if (auto region = leading_overlap(from.sizes(), tensor.sizes())) {
      taken.insert(it->first);
      if (parameter) t.copied_params += count(*region);
      plan.push_back({tensor, &from, std::move(region)});
      ++t.sliced_tensors;
    } else {
      t.skipped.push_back(
          {name, fmt::format("file {}, network {}", fmt::join(from.sizes(), "x"), fmt::join(tensor.sizes(), "x"))});
    }
  }
  for (const auto& entry : file.tensors)
    if (!taken.contains(entry.first)) t.unused.push_back(entry.first);
  if (t.copied_params == 0)
    throw UserError(fmt::format("{}: shares no parameter with model '{}' (its {} tensors are model '{}''s, none of "
                                "them under a name and shape of this network's); give weights of this model or "
                                "of the model it was rewritten from",
                                path, network.graph().name(), file.tensors.size(), file.stamp.model));
  const torch::NoGradGuard no_grad;
  for (const Copy& c : plan) {
    if (c.region)
      leading(c.into, *c.region).copy_(leading(*c.from, *c.region));
    else
      c.into.copy_(*c.from);
  }
  return t;
}

}  // namespace hwnas::train
