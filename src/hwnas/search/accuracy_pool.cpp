// make_thread_pool: std::thread workers pulling the jobs of one run() in order; results go
// back to the calling thread through a queue.
#include "hwnas/search/accuracy_pool.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "hwnas/base/error.h"

namespace hwnas::search {
namespace {

class ThreadPool final : public AccuracyPool {
 public:
  ThreadPool(AccuracyFunction evaluate, std::int32_t workers) : evaluate_(std::move(evaluate)), workers_(workers) {}

  std::int32_t workers() const override { return workers_; }

  void run(std::span<const AccuracyJob> jobs, const std::function<void(const AccuracyResult&)>& on_result,
           const std::atomic<bool>* stop) override {
    Shared shared;
    const auto stopped = [&] { return (stop != nullptr && stop->load()) || shared.abort.load(); };
    const auto work = [&] {
      for (;;) {
        std::size_t next = 0;
        {
          const std::lock_guard lock(shared.mutex);
          if (shared.next == jobs.size() || stopped()) break;
          next = shared.next++;
        }
        std::optional<AccuracyResult> result;
        std::exception_ptr error;
        try {
          result = evaluate_(jobs[next]);
          result->id = jobs[next].id;
        } catch (...) {
          error = std::current_exception();
          shared.abort = true;
        }
        const std::lock_guard lock(shared.mutex);
        if (error && !shared.error) shared.error = error;
        if (result) shared.done.push_back(std::move(*result));
        shared.changed.notify_one();
      }
      const std::lock_guard lock(shared.mutex);
      ++shared.finished;
      shared.changed.notify_one();
    };

    const auto threads = static_cast<std::size_t>(std::min<std::int64_t>(workers_, std::ssize(jobs)));
    std::vector<std::jthread> pool;
    for (std::size_t i = 0; i < threads; ++i) pool.emplace_back(work);
    std::exception_ptr error;
    for (;;) {
      std::unique_lock lock(shared.mutex);
      shared.changed.wait(lock, [&] { return !shared.done.empty() || shared.finished == threads; });
      if (shared.done.empty()) break;  // every worker has ended
      const AccuracyResult result = std::move(shared.done.front());
      shared.done.pop_front();
      lock.unlock();
      if (error) continue;  // after a failed on_result: drain without reporting
      try {
        on_result(result);
      } catch (...) {
        error = std::current_exception();
        shared.abort = true;
      }
    }
    pool.clear();  // joins
    if (!error) error = shared.error;
    if (error) std::rethrow_exception(error);
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t next = 0;       // the next job to start
    std::size_t finished = 0;   // workers that have ended
    std::deque<AccuracyResult> done;
    std::exception_ptr error;   // the first evaluation that threw
    std::atomic<bool> abort{false};
  };

  AccuracyFunction evaluate_;
  std::int32_t workers_;
};

}  // namespace

std::unique_ptr<AccuracyPool> make_thread_pool(AccuracyFunction evaluate, std::int32_t workers) {
  HWNAS_CHECK(evaluate && workers >= 1 && workers <= kMaxThreadWorkers);
  return std::make_unique<ThreadPool>(std::move(evaluate), workers);
}

}  // namespace hwnas::search
