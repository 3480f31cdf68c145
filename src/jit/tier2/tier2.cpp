#include "jit/tier2/tier2.h"

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "compiler/disassembler.h"
#include "interp/bytecodes.h"
#include "interp/interpreter.h"
#include "jit/tier2/backend.h"
#include "jit/tier2/loop.h"
#include "jit/tier2/params.h"
#include "jit/tier2/recorder.h"
#include "vm/universe.h"

namespace som::tier2 {
namespace {

struct Loop;
struct TraceRecord;

// A guard's exit in compiled code. Counted when taken; once hot, a side trace is recorded
// from it and its stub jumps there instead of leaving native code.
struct Exit : ExitResume {
  TraceRecord* trace = nullptr;
  uint32_t snapshot = 0;
  uint32_t taken = 0;   // since the last recording from it
  uint32_t left = 0;    // in all (returns from native code)
  uint32_t needed = 0;  // exits before the next recording (doubles after each abort)
  uint32_t aborts = 0;
  bool blacklisted = false;
  // Where an exit in the traced activation itself continues (its snapshot's only frame),
  // kept here: the snapshot is cold memory by the time an exit is taken.
  bool inTracedFrame = false;
  bool unwinding = false;
  uint32_t pc = 0, depth = 0;
  // It leaves at the traced activation's return (^ value, or ^ self; an EXIT where an
  // entry trace ends, or a guard's exit to there): the activation's result is then in its
  // slots, and a caller that asks for it needs no interpreter.
  Returning returns = Returning::No;
  TraceRecord* side = nullptr;
  // Needs nothing but its snapshot's words: it will never get a side trace, and it leaves
  // in the traced activation.
  bool plain() const { return blacklisted && !side && inTracedFrame && !unwinding && trace; }
  // Not a guard's exit: LINKs into a loop whose root was dropped leave here, to continue
  // at the loop's header (trace is then nullptr).
  const uint8_t* atHeader = nullptr;
};

// A compiled trace: the root of a loop or a side trace of an exit. Never freed (like all
// generated code): other traces may jump into it, and exits answer pointers into it.
struct TraceRecord {
  uint32_t id;  // 1, 2, ... in the order of compilation
  Trace ir;
  Loop* loop;  // the loop whose tree it belongs to
  std::string name;
  CompiledTrace code;
  std::deque<Exit> exits;  // one per snapshot
  std::unique_ptr<const void*[]> exitTargets;
  // Written by exits: the blocks of inlined block activations, and the contexts of
  // inlined activations that own one. (The collector does not scan them: what they hold
  // is read at once, and a stale word would keep garbage alive. Exit stubs keep what they
  // make alive while they run: exits.cpp.)
  uint64_t closures[16] = {};
  uint64_t contexts[16] = {};
};

struct Loop {
  uint32_t hits = 0;
  uint32_t needed = 0;  // hits before the next recording (doubles after each abort)
  uint32_t aborts = 0;
  bool blacklisted = false;
  TraceRecord* trace = nullptr;  // the root trace
  uint64_t entries = 0;
  uint64_t iterations = 0;  // ends of traces of its tree (LOOP and LINK), counted by their code
  uint64_t ownLoops = 0;    // LOOPs of its root: iterations on the recorded path
  uint64_t linkedIn = 0;    // LINKs into it (from side traces of its own tree, too)
  // Where LINKs to the loop jump, through this word: its first root's loop start, or the
  // entry of a root recorded later that adapts the frame they arrive with (the first
  // root's, linkFrameBytes), so that every trace linking here follows a new root.
  const void* linkEntry = nullptr;
  int32_t linkFrameBytes = 0;
  Exit headerExit;                   // its root dropped: LINKs leave through this exit
  const void* linkExit = nullptr;    // (compileLinkExit), to the interpreter at the header
  uint32_t headerDepth = 0;
  uint32_t rerecords = 0;
  uint32_t sideTraces = 0;
  uint32_t leftLoop = 0;  // recordings that left the loop
  bool isEntry = false;   // not a loop: a method's entry (its traces end at its return)
};

Stats gStats;
bool gEnabled = false;
std::unordered_map<const uint8_t*, Loop> gLoops;  // by loop header
std::unordered_map<Method*, Loop> gEntries;       // traces of methods' entries (hotcall)
std::deque<TraceRecord> gTraces;
uint32_t gMaxExtent = 0;  // VM stack words (from the traced frame's slots) any exit may write
uint64_t gMaxExtentBytes = 0;  // the same in bytes, for tier-1 code
// A recording is under way: calls it makes (CALLM) run the program on, and may meet hot
// loops and exits, which run their traces but record nothing until it ends.
bool gRecording = false;
struct RecordingNow {
  RecordingNow() { gRecording = true; }
  ~RecordingNow() { gRecording = false; }
};

// The loop of a header. A direct-mapped cache goes in front of the map: every back edge
// of a hot method asks (loops are never removed, and map nodes do not move).
Loop& loopAt(const uint8_t* header) {
  struct Entry {
    const uint8_t* header;
    Loop* loop;
  };
  static Entry cache[256];
  Entry& e = cache[(reinterpret_cast<uintptr_t>(header) >> 2) & 255];
  if (e.header != header) e = {header, &gLoops[header]};
  return *e.loop;
}

uint32_t stackBase(const Frame& f) { return uint32_t(f.method->numArgs) + f.method->numLocals; }

std::string where(const Method* m, const uint8_t* pc) { return methodName(m) + " @" + std::to_string(pc - m->code); }

uint64_t microsSince(std::chrono::steady_clock::time_point start) {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

void logTrace(const Frame& f, const TraceRecord& t, Recorder& rec, const std::string& recordedIr) {
  std::string bytecodes;
  for (auto& [method, pc] : rec.recordedPcs())
    bytecodes += (method == f.method ? "" : "  " + methodName(method) + ":") + describeBytecode(method, pc) + "\n";
  std::string end = rec.linkHeader()     ? "links to the trace of " + where(f.method, rec.linkHeader())
                    : rec.endedAtReturn() ? "exits at the return"
                                          : "loops";
  // The allocations removed (and other values computed only by the exits that need them).
  std::string atExits;
  if (t.code.exits)
    for (IrRef n = 0; n < t.code.exits->atExit.size(); n++)
      if (t.code.exits->atExit[n])
        atExits += (atExits.empty() ? "" : " ") + std::to_string(n) + ":" + kIrOps[uint8_t(t.ir.instructions()[n].op)].name;
  std::fprintf(stderr,
               "=== tier2 %s: %zu bytecodes, %zu IR instructions, %zu snapshots, %zu bytes; %s\n"
               "--- recorded bytecodes\n%s--- IR as recorded (folded, shared)\n%s--- IR optimized\n%s"
               "--- left to the exits\n%s\n--- native code\n%s\n",
               t.name.c_str(), rec.recordedPcs().size(), t.ir.size(), t.ir.snapshots().size(), t.code.codeBytes,
               end.c_str(), bytecodes.c_str(), recordedIr.c_str(),
               recordedIr == t.ir.dump() ? "(the same)\n" : t.ir.dump().c_str(), atExits.empty() ? "(none)" : atExits.c_str(),
               t.code.disassembly.c_str());
}

// Compiles a closed recording into a new trace of `loop`'s tree; `parent` is the exit a
// side trace starts from. Answers nullptr when the code cache is full.
TraceRecord* compile(Recorder& rec, Loop& loop, Frame& frame, const std::string& what, Exit* parent) {
  auto start = std::chrono::steady_clock::now();
  TraceRecord& t = gTraces.emplace_back();
  t.id = uint32_t(gTraces.size());
  t.ir = std::move(rec.trace());
  std::string recordedIr = U.options.jitLog ? t.ir.dump() : "";
  if (!parent && !rec.linkHeader() && !rec.endedAtReturn()) {
    Trace peeled = t.ir;
    if (peelLoop(peeled)) t.ir = std::move(peeled);
  }
  t.ir.seal();
  t.loop = &loop;
  t.name = "trace " + std::to_string(t.id) + " " + what;
  size_t exits = t.ir.snapshots().size();
  t.exitTargets = std::make_unique<const void*[]>(exits);
  TraceRequest req;
  req.trace = &t.ir;
  req.name = "som-" + t.name;
  req.iterations = &loop.iterations;
  if (!parent && loop.linkEntry) req.adoptFrameBytes = loop.linkFrameBytes;
  req.closures = t.closures;
  req.contexts = t.contexts;
  req.exitTargets = t.exitTargets.get();
  for (uint32_t s = 0; s < exits; s++) {
    t.exits.emplace_back();
    t.exits.back().trace = &t;
    t.exits.back().snapshot = s;
    t.exits.back().needed = params.hotexit;
    // (an unwinding exit resumes no bytecode a side trace could start from)
    const Snapshot& snapshot = t.ir.snapshots()[s];
    t.exits.back().blacklisted = snapshot.unwinding;
    t.exits.back().inTracedFrame = snapshot.frames.size() == 1;
    t.exits.back().unwinding = snapshot.unwinding;
    t.exits.back().pc = snapshot.frames[0].pc;
    t.exits.back().depth = snapshot.frames[0].depth;
    if (snapshot.frames.size() == 1 && !snapshot.unwinding) {
      uint8_t bc = frame.method->code[snapshot.frames[0].pc];
      t.exits.back().returns = bc == BC_RETURN_SELF    ? Returning::Self
                               : bc == BC_RETURN_LOCAL ? Returning::TopOfStack
                                                       : Returning::No;
    }
    req.exitTokens.push_back(&t.exits.back());
  }
  if (parent) req.parentFrameBytes = parent->trace->code.frameBytes;
  else req.ownLoops = &loop.ownLoops;
  if (rec.linkHeader()) {
    Loop& target = gLoops[rec.linkHeader()];
    req.linkEntry = &target.linkEntry;
    req.linkFrameBytes = target.linkFrameBytes;
    req.linkedIn = &target.linkedIn;
  }
  for (const IrIns& i : t.ir.instructions())  // (nothing to trace after a return)
    if (i.op == IrOp::EXIT) t.exits[size_t(i.snapshot)].blacklisted = true;
  req.log = U.options.jitLog;
  t.code = compileTrace(req);
  gStats.compileMicros += microsSince(start);
  if (!t.code.entry) {
    gTraces.pop_back();
    return nullptr;
  }
  if (rec.maxExtent() > gMaxExtent) gMaxExtent = rec.maxExtent();
  gMaxExtentBytes = 8 * uint64_t(gMaxExtent);
  gStats.codeBytes += t.code.codeBytes;
  if (U.options.jitLog) logTrace(frame, t, rec, recordedIr);
  return &t;
}

bool mayCompileAnother(const Loop& loop, bool side) {
  return gTraces.size() < params.maxtrace && (!side || loop.sideTraces < params.maxside);
}

Recorder::CanLink linkableLoops() {
  return [](const uint8_t* header, uint32_t depth) {
    auto it = gLoops.find(header);
    return it != gLoops.end() && it->second.trace && it->second.headerDepth == depth;
  };
}

// A root trace recorded a rare path if it rarely completes an iteration (it recorded the
// iteration that ended the loop, say), or if most iterations leave it for a side trace
// that links back (it recorded the iteration where a branch went the rare way: every
// iteration then goes through memory twice). It is dropped and the loop recorded again
// (see params.def); LINKs to the loop follow the new root (Loop::linkEntry), and the old
// one's code stays for traces running it.
void judge(Loop& loop, Method* m, const uint8_t* header) {
  if (loop.isEntry) return;
  bool neverLoops = loop.entries == params.judgeentries && 2 * loop.iterations < loop.entries;
  // (a rare-path root is still better than none: it is kept after the last re-recording)
  bool rarePath = loop.linkedIn >= params.judgelinks && 4 * loop.ownLoops < loop.linkedIn &&
                  loop.rerecords < params.maxrerecord;
  if (!neverLoops && !rarePath) return;
  bool again = ++loop.rerecords <= params.maxrerecord;
  if (U.options.jitLog)
    std::fprintf(stderr, "--- tier2 drops the trace of %s: %llu iterations in %llu entries, %llu of %llu by its own path%s\n",
                 where(m, header).c_str(), (unsigned long long)loop.iterations, (unsigned long long)loop.entries,
                 (unsigned long long)loop.ownLoops, (unsigned long long)(loop.ownLoops + loop.linkedIn),
                 again ? "; recording again" : "; blacklisted");
  gStats.tracesDropped++;
  loop.trace = nullptr;
  m->tracedLoops--;
  // Traces that link to the loop leave native code at its header instead, so that the
  // interpreter meets its back edge and records it again.
  if (!loop.linkExit) {
    loop.headerExit.atHeader = header;
    loop.headerExit.blacklisted = true;
    loop.linkExit = compileLinkExit(loop.linkFrameBytes, &loop.headerExit, "som-tier2 link exit " + where(m, header));
  }
  if (loop.linkExit) loop.linkEntry = loop.linkExit;
  loop.entries = loop.iterations = loop.ownLoops = loop.linkedIn = 0;
  loop.needed = params.hotloop;
  // (a root on a rare path is recorded again at once: the next iteration most likely
  // takes the common one)
  loop.hits = rarePath && loop.needed ? loop.needed - 1 : 0;
  if (!again) {
    loop.blacklisted = true;
    gStats.loopsBlacklisted++;
  }
}

// Continues after an exit, whose stub has written the snapshot's words back: in the
// traced activation, or (when the exit is inside inlined calls) in activations resumed for
// them, whose result then completes the traced activation's send.
void continueAfter(const Exit& exit, Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding) {
  if (exit.inTracedFrame) {
    sp = frame.slots + stackBase(frame) + exit.depth;
    ip = frame.method->code + exit.pc;
    unwinding = exit.unwinding;
    return;
  }
  const Snapshot& s = exit.trace->ir.snapshots()[exit.snapshot];
  const SnapFrame& outer = s.frames[0];
  ResumePoint points[16];  // (maxinline is at most 16; no allocation on this path)
  for (size_t k = 1; k < s.frames.size(); k++) {
    const SnapFrame& f = s.frames[k];
    Value* slots = frame.slots + f.base;
    bool innermost = k + 1 == s.frames.size();
    // (an unwinding exit: a call from the innermost one answered the unwind marker, maybe
    // aimed at one of them, through its stand-in)
    points[k - 1] = {f.method, slots, f.method->code + f.pc,
                     slots + f.method->numArgs + f.method->numLocals + f.depth,
                     innermost ? nullptr : &points[k], innermost && exit.unwinding,
                     f.closure == kNoRef ? nullptr : reinterpret_cast<Block*>(exit.trace->closures[k]),
                     f.context == kNoRef ? nullptr : reinterpret_cast<Context*>(exit.trace->contexts[k]),
                     inlinedLevelStandIn(uint32_t(k))};
  }
  Value* end = points[s.frames.size() - 2].sp;
  if (end > U.stackHighWater) U.stackHighWater = end;
  frame.ip = frame.method->code + outer.pc;
  Value result = resume(points[0], &frame);
  sp = points[0].slots + 1;
  sp[-1] = result;
  ip = frame.method->code + outer.pc + kBytecodes[frame.method->code[outer.pc]].length;
  unwinding = result.isNull();
}

// A recording aborted at the back edge of `header`'s loop because that loop has no trace
// (yet): the loop is recorded at its next back edge, and the aborted recording, which only
// came too early, is not held against its start point. Answers false when that loop will
// not get a trace (blacklisted).
bool traceUntracedLoop(const uint8_t* header) {
  if (!header) return false;
  Loop& loop = loopAt(header);
  if (loop.blacklisted || loop.trace) return false;
  if (loop.needed == 0) loop.needed = params.hotloop;
  loop.hits = loop.needed;
  return true;
}

// An exit taken often (`hotexit` times, or through its side trace) has its words written
// by a native stub from then on instead of the shared handler (exit_map.h). Without room
// for it, the shared handler goes on serving the exit.
void giveNativeStub(Exit& exit) {
  ExitMap& map = exit.trace->code.exits->maps[exit.snapshot];
  if (map.stub != sharedExitHandler()) return;
  auto start = std::chrono::steady_clock::now();
  std::string name = "som-tier2 stub of trace " + std::to_string(exit.trace->id) + " exit " + std::to_string(exit.snapshot);
  if (const void* stub = compileNativeExitStub(map, name)) map.stub = stub;
  gStats.compileMicros += microsSince(start);
}

// The interpreter asks tier 2 at the back edges of a method only while its counter is past
// the threshold; resetting it makes it stop asking for a while, unless another loop of
// the method has a trace that it must keep entering.
void stopAskingForAWhile(Frame& frame) {
  if (!frame.method->tracedLoops) frame.method->invocationCount = 0;
}

// How many times `hotexit` exits a new side trace of the tree needs. A method entry whose
// tree keeps branching (a parser's dispatch, a visitor's cases: Json's readValue, CD's
// fill:from:motion:visited:) costs a recording and a compilation per branch, which its
// rare branches never pay back: past `entryside` side traces, only the hot ones get one.
// (Dropping such entries instead made the Mix workload 5% faster under --jit=both but
// CD's steady state 40% slower.)
uint32_t sideTraceCost(const Loop& loop) {
  return loop.isEntry && loop.sideTraces >= params.entryside ? params.entrycost : 1;
}

// A hot exit: records from where it left off (inside the inlined calls of its snapshot, if
// any) until the trace links to a loop's trace, and makes the exit's stub jump there.
void recordSideTrace(Exit& exit, Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding) {
  Loop& loop = *exit.trace->loop;
  const Snapshot& s = exit.trace->ir.snapshots()[exit.snapshot];
  RecordingNow now;
  Recorder rec(frame, s, exit.trace->closures, exit.trace->contexts, linkableLoops());
  // (Of a loop's tree, too: `^ x` in a loop's body. Its exit then hands the result to a
  // lean activation (onEntry) if the loop was reached from the method's entry trace.)
  rec.endAtReturn();
  std::string name = "trace " + std::to_string(exit.trace->id) + " exit " + std::to_string(exit.snapshot) + " at " +
                     where(s.frames.back().method, s.frames.back().method->code + s.frames.back().pc);
  Recorder::Outcome outcome = rec.run();
  ip = rec.ip();
  sp = rec.sp();
  unwinding = rec.unwinding();
  std::string reason = rec.abortReason();
  if (outcome == Recorder::Outcome::Closed) {
    if (TraceRecord* side = compile(rec, loop, frame, "(side trace of " + name + ")", &exit)) {
      exit.side = side;
      exit.trace->exitTargets[exit.snapshot] = side->code.entry;
      giveNativeStub(exit);
      loop.sideTraces++;
      gStats.sideTracesCompiled++;
      return;
    }
    reason = "the code cache is full";
  }
  gStats.recordingsAborted++;
  exit.taken = 0;
  if (rec.foundLongLoop() && loop.isEntry && loop.rerecords < params.maxrerecord) {
    // The long loop is in a method the entry's trace inlined: recorded again, the trace
    // calls that method, and its exits in the loop no longer leave native code.
    loop.rerecords++;
    loop.trace = nullptr;
    loop.hits = loop.sideTraces = 0;
    loop.needed = params.hotcall;
    frame.method->tier2EntryCode = nullptr;
    gStats.tracesDropped++;
    if (U.options.jitLog)
      std::fprintf(stderr, "--- tier2 side trace abort at %s: %s; recording the entry of %s again\n", name.c_str(),
                   reason.c_str(), methodName(frame.method).c_str());
    return;
  }
  if (outcome == Recorder::Outcome::Aborted && traceUntracedLoop(rec.untracedLoop())) {
    if (U.options.jitLog)
      std::fprintf(stderr, "--- tier2 side trace abort at %s: %s; recording that loop first\n", name.c_str(),
                   reason.c_str());
    return;
  }
  exit.needed *= 2;
  exit.blacklisted = ++exit.aborts >= params.maxabort || outcome == Recorder::Outcome::Closed;
  if (U.options.jitLog)
    std::fprintf(stderr, "--- tier2 side trace abort at %s: %s%s\n", name.c_str(), reason.c_str(),
                 exit.blacklisted ? " (blacklisted)" : "");
}

void afterTrace(Loop& loop, Frame& frame, const uint8_t* header, Exit& exit, const uint8_t*& ip, Value*& sp,
                bool& unwinding);

// Runs compiled trace code on the activation at `ip`; answers the exit it left by.
Exit& callTrace(const void* code, Frame& frame, const uint8_t* ip) {
  gStats.traceEntries++;
  // Primitives the trace calls may collect: the stack words it stores must be roots.
  if (frame.slots + gMaxExtent > U.stackHighWater) U.stackHighWater = frame.slots + gMaxExtent;
  frame.ip = ip;
  auto fn = reinterpret_cast<TraceFn>(const_cast<void*>(code));
  return *static_cast<Exit*>(const_cast<void*>(fn(frame.slots, &frame)));
}

bool runTrace(Loop& loop, Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding) {
  loop.entries++;
  const uint8_t* header = ip;
  Exit& exit = callTrace(loop.trace->code.entry, frame, ip);
  afterTrace(loop, frame, header, exit, ip, sp, unwinding);
  return true;
}

// What an exit needs once its stub has written the snapshot: its count, side traces,
// resuming inlined activations.
void afterTrace(Loop& loop, Frame& frame, const uint8_t* header, Exit& exit, const uint8_t*& ip, Value*& sp,
                bool& unwinding) {
  gStats.exitsTaken++;
  judge(loop, frame.method, header);
  if (exit.atHeader) {  // a LINK into a loop whose root was dropped
    const Loop& target = loopAt(exit.atHeader);
    ip = exit.atHeader;
    sp = frame.slots + stackBase(frame) + target.headerDepth;
    return;
  }
  if (++exit.left == params.hotexit) giveNativeStub(exit);
  if (!exit.side && !exit.blacklisted && ++exit.taken >= exit.needed * sideTraceCost(*exit.trace->loop) &&
      mayCompileAnother(*exit.trace->loop, true) &&
      !gRecording)
    recordSideTrace(exit, frame, ip, sp, unwinding);
  else
    continueAfter(exit, frame, ip, sp, unwinding);
}

// An aborted root recording doubles the loop's threshold and counts towards blacklisting
// it. One that only left the loop is tried again at the loop's next back edge (waiting for
// the threshold again could meet the same iteration every time: a loop of five iterations
// and a threshold of 1000), and blacklists the loop only after many tries (a loop that is
// rarely entered twice in a row).
void penalize(Loop& loop, Frame& frame, const uint8_t* header, const std::string& reason, bool leftLoop) {
  gStats.recordingsAborted++;
  if (leftLoop) {
    loop.leftLoop++;
    loop.hits = loop.needed - 1;
  } else {
    loop.hits = 0;
    loop.needed *= 2;
    loop.aborts++;
    stopAskingForAWhile(frame);
  }
  if (loop.aborts >= params.maxabort || loop.leftLoop >= 4 * params.maxabort) {
    loop.blacklisted = true;
    gStats.loopsBlacklisted++;
  }
  if (U.options.jitLog)
    std::fprintf(stderr, "--- tier2 abort %s: %s%s\n", where(frame.method, header).c_str(), reason.c_str(),
                 loop.blacklisted ? " (blacklisted)" : "");
}

}  // namespace

void configure(bool enabled) { gEnabled = enabled; }

bool enabled() { return gEnabled; }
uint32_t threshold() { return params.hotloop; }
uint32_t entryThreshold() { return params.hotcall; }

bool onBackEdge(Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding, uint32_t iterations,
                bool* traced) {
  unwinding = false;
  Loop& loop = loopAt(ip);
  struct Report {  // whether the loop has a trace when this call returns
    Loop& loop;
    bool* traced;
    ~Report() {
      if (traced) *traced = loop.trace != nullptr;
    }
  } report{loop, traced};
  uint32_t depth = uint32_t(sp - frame.slots) - stackBase(frame);
  if (loop.trace) {
    if (depth != loop.headerDepth || frame.slots + gMaxExtent >= U.stackLimit) return false;
    return runTrace(loop, frame, ip, sp, unwinding);
  }
  if (loop.blacklisted) {
    stopAskingForAWhile(frame);
    return false;
  }
  if (loop.needed == 0) loop.needed = params.hotloop;
  loop.hits += iterations;
  if (loop.hits < loop.needed || !mayCompileAnother(loop, false) || gRecording) return false;

  const uint8_t* header = ip;
  RecordingNow now;
  Recorder rec(frame, header, sp, header, linkableLoops());
  Recorder::Outcome outcome = rec.run();
  ip = rec.ip();
  sp = rec.sp();
  unwinding = rec.unwinding();
  if (outcome == Recorder::Outcome::Aborted) {
    // (an outer loop that met an inner one without a trace tries again, like one that
    // left the loop, once the inner loop has had its chance)
    bool tooEarly = traceUntracedLoop(rec.untracedLoop());
    penalize(loop, frame, header, rec.abortReason(), rec.leftLoop() || tooEarly);
    return true;
  }
  TraceRecord* t = compile(rec, loop, frame, "(root) at " + where(frame.method, header), nullptr);
  if (!t) {
    penalize(loop, frame, header, "the code cache is full", false);
    loop.blacklisted = true;
    return true;
  }
  gStats.tracesCompiled++;
  frame.method->tracedLoops++;
  if (!loop.linkEntry) {
    loop.linkEntry = t->code.loopStart;
    loop.linkFrameBytes = t->code.frameBytes;
  } else {
    loop.linkEntry = t->code.adaptedStart;
  }
  loop.trace = t;
  loop.headerDepth = rec.headerDepth();
  return true;
}

// The entry of a hot method (--jit=tier2): runs its trace or records one, which starts
// at the first bytecode and ends at a return (EXIT), by linking to a loop's trace, or by
// aborting. Recursion becomes calls (CALLM), which enter the trace again.
bool onEntry(Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding, Value* returned) {
  unwinding = false;
  Method* m = frame.method;
  // The common case first, without the bookkeeping of runTrace: the trace exists, and
  // it returns (a recursive method's entry is asked at every call).
  if (m->tier2EntryCode) {
    if (frame.slots + gMaxExtent >= U.stackLimit) return false;
    Exit& exit = callTrace(m->tier2EntryCode, frame, ip);
    if (exit.plain()) {
      gStats.exitsTaken++;
      if (returned && exit.returns != Returning::No) {
        *returned = exit.returns == Returning::Self ? frame.slots[0]
                                                        : frame.slots[stackBase(frame) + exit.depth - 1];
        return true;
      }
      continueAfter(exit, frame, ip, sp, unwinding);
    } else {
      afterTrace(*static_cast<Loop*>(m->tier2Entry), frame, m->code, exit, ip, sp, unwinding);
    }
    return true;
  }
  if (!m->tier2Entry) m->tier2Entry = &gEntries[m];
  Loop& entry = *static_cast<Loop*>(m->tier2Entry);
  entry.isEntry = true;
  struct Report {  // a blacklisted entry is not asked about again
    Loop& entry;
    Method* m;
    ~Report() {
      if (entry.blacklisted) m->flags |= kNoEntryTrace;
    }
  } report{entry, m};
  if (entry.blacklisted || gRecording) {
    stopAskingForAWhile(frame);
    return false;
  }
  if (entry.needed == 0) entry.needed = params.hotcall;
  if (++entry.hits < entry.needed || !mayCompileAnother(entry, false)) return false;
  const uint8_t* start = ip;
  RecordingNow now;
  Recorder rec(frame, start, sp, nullptr, linkableLoops());
  rec.endAtReturn();
  Recorder::Outcome outcome = rec.run();
  ip = rec.ip();
  sp = rec.sp();
  unwinding = rec.unwinding();
  if (outcome == Recorder::Outcome::Aborted) {
    traceUntracedLoop(rec.untracedLoop());
    penalize(entry, frame, start, rec.abortReason(), false);
    return true;
  }
  TraceRecord* t = compile(rec, entry, frame, "(entry) of " + methodName(m), nullptr);
  if (!t) {
    penalize(entry, frame, start, "the code cache is full", false);
    entry.blacklisted = true;
    return true;
  }
  gStats.tracesCompiled++;
  entry.trace = t;
  m->tier2EntryCode = t->code.entry;
  return true;
}

void afterEntryTrace(Frame& frame, const void* exitToken, const uint8_t*& ip, Value*& sp, bool& unwinding,
                     const uint8_t*& plainPc, uint64_t& spWords) {
  Exit& exit = *static_cast<Exit*>(const_cast<void*>(exitToken));
  Loop& entry = *static_cast<Loop*>(frame.method->tier2Entry);
  unwinding = false;
  afterTrace(entry, frame, frame.method->code, exit, ip, sp, unwinding);
  // An exit that will never have a side trace and leaves in the traced activation. (This
  // time it may have gone on differently: after recording from it, say.)
  plainPc = nullptr;
  if (exit.plain()) {
    plainPc = frame.method->code + exit.pc;
    spWords = stackBase(frame) + exit.depth;
  }
}

uint64_t* maxExtentBytes() { return &gMaxExtentBytes; }
uint64_t* traceEntryCount() { return &gStats.traceEntries; }
uint64_t* exitCount() { return &gStats.exitsTaken; }

const Stats& stats() { return gStats; }

}  // namespace som::tier2
