#include "hwnas/estimate/xgb_regressor.h"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <limits>

#include "hwnas/estimate/ubj_check.h"
#include "hwnas/base/error.h"

namespace hwnas::estimate {
namespace {

// XGBoost's last error, one line: its messages start "[12:00:00] /path/file.cc:123: " and
// end in a stack trace of many lines.
std::string last_error() {
  std::string_view e = XGBGetLastError();
  e = e.substr(0, e.find('\n'));
  if (e.starts_with('[')) {
    const auto at = e.find(": ", e.find("]"));
    if (at != std::string_view::npos) e.remove_prefix(at + 2);
  }
  return std::string(e.substr(0, 200));
}

void check(int status, const char* what) {
  if (status != 0) throw InternalError(fmt::format("XGBoost {} failed: {}", what, last_error()));
}

// A DMatrix that frees itself.
class Matrix {
 public:
  Matrix(std::span<const float> x, std::size_t cols) {
    const std::size_t rows = cols == 0 ? 0 : x.size() / cols;
    check(XGDMatrixCreateFromMat(x.data(), rows, cols, std::numeric_limits<float>::quiet_NaN(), &handle_),
          "XGDMatrixCreateFromMat");
  }
  ~Matrix() { XGDMatrixFree(handle_); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

void set(BoosterHandle b, const char* key, const std::string& value) {
  check(XGBoosterSetParam(b, key, value.c_str()), "XGBoosterSetParam");
}

}  // namespace

XgbRegressor XgbRegressor::train(std::span<const float> x, std::size_t cols, std::span<const float> y,
                                 const XgbParams& p) {
  HWNAS_CHECK(cols > 0 && x.size() == y.size() * cols && !y.empty());
  const Matrix m(x, cols);
  check(XGDMatrixSetFloatInfo(m.get(), "label", y.data(), y.size()), "XGDMatrixSetFloatInfo");
  DMatrixHandle train[] = {m.get()};
  BoosterHandle b = nullptr;
  check(XGBoosterCreate(train, 1, &b), "XGBoosterCreate");
  XgbRegressor out(b);
  set(b, "objective", "reg:squarederror");
  set(b, "tree_method", "hist");
  set(b, "max_bin", "512");
  set(b, "max_depth", std::to_string(p.max_depth));
  set(b, "eta", fmt::format("{}", p.eta));
  set(b, "subsample", fmt::format("{}", p.subsample));
  set(b, "colsample_bytree", fmt::format("{}", p.colsample_bytree));
  set(b, "min_child_weight", fmt::format("{}", p.min_child_weight));
  set(b, "lambda", fmt::format("{}", p.lambda));
  set(b, "nthread", std::to_string(p.threads));
  set(b, "seed", std::to_string(p.seed));
  set(b, "verbosity", "0");
  for (int i = 0; i < p.rounds; ++i) check(XGBoosterUpdateOneIter(b, i, m.get()), "XGBoosterUpdateOneIter");
  out.compile();
  return out;
}

XgbRegressor XgbRegressor::load(std::string_view bytes, std::size_t cols) {
  if (const std::optional<std::string> problem = ubj_model_problem(bytes))  // XGBoost trusts the bytes
    throw UserError(fmt::format("the XGBoost model is corrupt or truncated ({})", *problem));
  BoosterHandle b = nullptr;
  check(XGBoosterCreate(nullptr, 0, &b), "XGBoosterCreate");
  XgbRegressor out(b);
  if (XGBoosterLoadModelFromBuffer(b, bytes.data(), bytes.size()) != 0)
    throw UserError(fmt::format("the XGBoost model is corrupt or truncated (XGBoost: {})", last_error()));
  try {
    out.compile();
  } catch (const InternalError& e) {  // XGBoost loads some inconsistent models (num_trees is
                                      // not the number of trees); its save in compile() does not
    throw UserError(fmt::format("the XGBoost model is corrupt or truncated ({})", e.what()));
  }
  if (out.features() > cols)
    throw UserError(fmt::format("the XGBoost model reads {} features, not {}", out.features(), cols));
  return out;
}

XgbRegressor::XgbRegressor(XgbRegressor&& other) noexcept
    : booster_(other.booster_), forest_(std::move(other.forest_)) {
  other.booster_ = nullptr;
}

XgbRegressor& XgbRegressor::operator=(XgbRegressor&& other) noexcept {
  std::swap(booster_, other.booster_);
  std::swap(forest_, other.forest_);
  return *this;
}

void XgbRegressor::compile() {
  bst_ulong n = 0;
  const char* data = nullptr;
  check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &n, &data), "XGBoosterSaveModelToBuffer");
  forest_ = Forest::from_xgboost_json(std::string_view(data, n));
}

XgbRegressor::~XgbRegressor() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
}

std::vector<float> XgbRegressor::predict(std::span<const float> x, std::size_t cols) const {
  std::vector<float> out(cols == 0 ? 0 : x.size() / cols);
  forest_.predict(x, cols, out);
  return out;
}

std::vector<float> XgbRegressor::predict_xgboost(std::span<const float> x, std::size_t cols) const {
  if (x.empty()) return {};
  const Matrix m(x, cols);
  bst_ulong n = 0;
  const float* result = nullptr;
  check(XGBoosterPredict(booster_, m.get(), 0, 0, 0, &n, &result), "XGBoosterPredict");
  return std::vector<float>(result, result + n);
}

std::string XgbRegressor::save() const {
  bst_ulong n = 0;
  const char* data = nullptr;
  check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &n, &data), "XGBoosterSaveModelToBuffer");
  return std::string(data, n);
}

}  // namespace hwnas::estimate
