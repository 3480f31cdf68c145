#include "jit/tier2/tier2.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <vector>

#include "compiler/disassembler.h"
#include "interp/bytecodes.h"
#include "interp/interpreter.h"
#include "jit/tier2/backend.h"
#include "jit/tier2/recorder.h"
#include "vm/universe.h"

namespace som::tier2 {
namespace {

// Limits and penalties, in one place (command-line overrides: --tier2-threshold).
struct Parameters {
  uint32_t threshold = 1000;   // back edges of a loop before it is recorded
  uint32_t maxAborts = 4;      // recordings of one loop that may abort before it is blacklisted
  // A trace that leaves before finishing an iteration on most entries recorded a rare
  // path (the iteration that ended the loop, say): after this many entries, with fewer
  // than one iteration per two entries, it is dropped and the loop recorded again...
  uint32_t judgeAfterEntries = 256;
  uint32_t maxRerecords = 2;   // ...at most this many times; then the loop is blacklisted
};

struct Loop {
  uint32_t hits = 0;
  uint32_t needed = 0;        // hits before the next recording (doubles after each abort)
  uint32_t aborts = 0;
  bool blacklisted = false;
  std::shared_ptr<Trace> trace;  // (shared: an activation resumed at an exit may drop it)
  TraceFn code = nullptr;
  uint64_t closures[16] = {};  // written by exits: the blocks of inlined block activations
  uint64_t entries = 0;
  uint64_t iterations = 0;    // completed in the trace (counted by its code)
  uint32_t rerecords = 0;
  uint32_t headerDepth = 0;
  uint32_t extent = 0;  // VM stack words (from the frame's slots) that exits may write
};

Parameters gParams;
Stats gStats;
bool gEnabled = false;
std::unordered_map<const uint8_t*, Loop> gLoops;  // by loop header

uint32_t stackBase(const Frame& f) { return uint32_t(f.method->numArgs) + f.method->numLocals; }

std::string where(const Frame& f, const uint8_t* header) {
  return methodName(f.method) + " @" + std::to_string(header - f.method->code);
}

void logTrace(const Frame& f, const uint8_t* header, Recorder& rec, const CompiledTrace& code) {
  std::string bytecodes;
  for (auto& [method, pc] : rec.recordedPcs())
    bytecodes += (method == f.method ? "" : "  " + methodName(method) + ":") + describeBytecode(method, pc) + "\n";
  std::fprintf(stderr,
               "=== tier2 trace %s: %zu bytecodes, %zu IR instructions, %zu snapshots, %zu bytes\n"
               "--- recorded bytecodes\n%s--- IR (folded, shared)\n%s--- native code\n%s\n",
               where(f, header).c_str(), rec.recordedPcs().size(), rec.trace().size(),
               rec.trace().snapshots().size(), code.codeBytes, bytecodes.c_str(), rec.trace().dump().c_str(),
               code.disassembly.c_str());
}

// Runs the trace; its exit has written the snapshot's stack words back; continues where
// the snapshot says: in the traced activation, or (when the exit is inside inlined calls) in
// activations resumed for them, whose result then completes the traced activation's send.
// Drops a trace that rarely completes an iteration (see Parameters).
void judge(Loop& loop, Frame& frame, const uint8_t* header) {
  if (loop.entries != gParams.judgeAfterEntries || 2 * loop.iterations >= loop.entries) return;
  bool again = ++loop.rerecords <= gParams.maxRerecords;
  if (U.options.jitLog)
    std::fprintf(stderr, "--- tier2 drops the trace of %s: %llu iterations in %llu entries%s\n",
                 where(frame, header).c_str(), (unsigned long long)loop.iterations,
                 (unsigned long long)loop.entries, again ? "; recording again" : "; blacklisted");
  gStats.tracesDropped++;
  loop.code = nullptr;
  loop.trace.reset();
  loop.entries = loop.iterations = 0;
  loop.hits = 0;
  loop.needed = gParams.threshold;
  if (!again) {
    loop.blacklisted = true;
    gStats.loopsBlacklisted++;
  }
}

bool runTrace(Loop& loop, Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding) {
  gStats.traceEntries++;
  loop.entries++;
  // Primitives the trace calls may collect: the stack words it stores must be roots.
  if (frame.slots + loop.extent > U.stackHighWater) U.stackHighWater = frame.slots + loop.extent;
  frame.ip = ip;
  uint32_t exit = loop.code(frame.slots, &frame);
  gStats.exitsTaken++;
  std::shared_ptr<Trace> trace = loop.trace;
  judge(loop, frame, ip);
  const Snapshot& s = trace->snapshots()[exit];
  const SnapFrame& outer = s.frames[0];
  if (s.frames.size() == 1) {
    sp = frame.slots + stackBase(frame) + outer.depth;
    ip = frame.method->code + outer.pc;
    return true;
  }
  std::vector<ResumePoint> points(s.frames.size() - 1);
  for (size_t k = 1; k < s.frames.size(); k++) {
    const SnapFrame& f = s.frames[k];
    Value* slots = frame.slots + f.base;
    points[k - 1] = {f.method, slots, f.method->code + f.pc,
                     slots + f.method->numArgs + f.method->numLocals + f.depth,
                     k + 1 < s.frames.size() ? &points[k] : nullptr, false,
                     f.closure == kNoRef ? nullptr : reinterpret_cast<Block*>(loop.closures[k])};
  }
  Value* end = points.back().sp;
  if (end > U.stackHighWater) U.stackHighWater = end;
  frame.ip = frame.method->code + outer.pc;
  Value result = resume(points[0], &frame);
  sp = points[0].slots + 1;
  sp[-1] = result;
  ip = frame.method->code + outer.pc + kBytecodes[frame.method->code[outer.pc]].length;
  unwinding = result.isNull();
  return true;
}

void penalize(Loop& loop, Frame& frame, const uint8_t* header, const std::string& reason) {
  gStats.recordingsAborted++;
  loop.hits = 0;
  loop.needed *= 2;
  if (++loop.aborts >= gParams.maxAborts) {
    loop.blacklisted = true;
    gStats.loopsBlacklisted++;
  }
  frame.method->invocationCount = 0;  // the interpreter stops asking for a while
  if (U.options.jitLog)
    std::fprintf(stderr, "--- tier2 abort %s: %s%s\n", where(frame, header).c_str(), reason.c_str(),
                 loop.blacklisted ? " (blacklisted)" : "");
}

}  // namespace

void configure(bool enabled) {
  gEnabled = enabled;
  if (U.options.tier2Threshold >= 0) gParams.threshold = uint32_t(U.options.tier2Threshold);
}

bool enabled() { return gEnabled; }
uint32_t threshold() { return gParams.threshold; }

bool onBackEdge(Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding, uint32_t iterations,
                bool* traced) {
  unwinding = false;
  Loop& loop = gLoops[ip];
  struct Report {  // whether the loop has a trace when this call returns
    Loop& loop;
    bool* traced;
    ~Report() {
      if (traced) *traced = loop.code != nullptr;
    }
  } report{loop, traced};
  uint32_t depth = uint32_t(sp - frame.slots) - stackBase(frame);
  if (loop.code) {
    if (depth != loop.headerDepth || frame.slots + loop.extent >= U.stackLimit) return false;
    return runTrace(loop, frame, ip, sp, unwinding);
  }
  if (loop.blacklisted) {
    frame.method->invocationCount = 0;
    return false;
  }
  if (loop.needed == 0) loop.needed = gParams.threshold;
  loop.hits += iterations;
  if (loop.hits < loop.needed) return false;

  const uint8_t* header = ip;
  Recorder rec(frame, header, sp);
  Recorder::Outcome outcome = rec.run();
  ip = rec.ip();
  sp = rec.sp();
  unwinding = rec.unwinding();
  if (outcome == Recorder::Outcome::Aborted) {
    penalize(loop, frame, header, rec.abortReason());
    return true;
  }
  auto start = std::chrono::steady_clock::now();
  CompiledTrace code = compileTrace(rec.trace(), "som-trace:" + where(frame, header), &loop.iterations, loop.closures, U.options.jitLog);
  gStats.compileMicros += uint64_t(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
  if (!code.entry) {
    penalize(loop, frame, header, "the code cache is full");
    loop.blacklisted = true;
    return true;
  }
  if (U.options.jitLog) logTrace(frame, header, rec, code);
  gStats.tracesCompiled++;
  gStats.codeBytes += code.codeBytes;
  loop.trace = std::make_shared<Trace>(std::move(rec.trace()));
  loop.code = code.entry;
  loop.headerDepth = rec.headerDepth();
  loop.extent = rec.maxExtent();
  return true;
}

const Stats& stats() { return gStats; }

}  // namespace som::tier2
