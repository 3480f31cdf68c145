// The trace recorder: executes one iteration of a hot loop, bytecode by bytecode, on the
// real frame (so the program goes on exactly as in the interpreter) while emitting its
// trace IR: the intrinsic sends through the handlers in Record mode (record_mode.h), data
// movement and control flow itself (as tier 1 does). A root trace starts at its loop's
// header and closes when it gets back there (LOOP); a side trace starts at a hot exit of
// another trace. Either also ends at the back edge of a loop that has a trace, by jumping
// to that trace (LINK): an outer loop's trace enters its inner loop's trace, and a side
// trace returns to its root. Anything the trace cannot express yet aborts recording.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "interp/frame.h"
#include "jit/tier2/ir.h"

namespace som::tier2 {

struct RecordMode;

// Whether a point in a trace is the traced activation's return, and which: ^ value (the
// result on top of the stack) or ^ self.
enum class Returning : uint8_t { No, TopOfStack, Self };

class Recorder {
 public:
  // Answers whether the loop at `header` has a trace that the recording may jump to when
  // it reaches the loop's back edge with `depth` operands on the stack.
  using CanLink = std::function<bool(const uint8_t* header, uint32_t depth)>;

  // Records from `start` (in `frame`, operand stack at `sp`). A root trace gives its loop
  // header as `ownHeader` (== start); a side trace gives nullptr.
  Recorder(Frame& frame, const uint8_t* start, Value* sp, const uint8_t* ownHeader, CanLink canLink);
  // A side trace from an exit whose snapshot is inside inlined calls: their activations
  // are rebuilt as levels over the stack words the exit wrote (`closures`, `contexts`: the
  // blocks and contexts the exit wrote aside, per snapshot frame).
  Recorder(Frame& frame, const Snapshot& exit, const uint64_t* closures, const uint64_t* contexts, CanLink canLink);

  enum class Outcome { Closed, Aborted };
  // Records until the loop closes or recording aborts. Afterwards ip()/sp() say where the
  // traced activation continues (the header when closed); `unwinding` is set when the
  // last executed bytecode was a send that answered the unwind marker.
  Outcome run();

  const uint8_t* ip() const { return ip_; }
  Value* sp() const { return sp_; }
  bool unwinding() const { return unwinding_; }
  const std::string& abortReason() const { return abortReason_; }
  // A root recording that aborted because the iteration it recorded left the loop (its
  // exit or a return): the next iteration may well go round.
  bool leftLoop() const { return leftLoop_; }
  // A recording that aborted at the back edge of a loop that has no trace: that loop's
  // header. Not the recording's fault: it should be tried again once that loop has one.
  const uint8_t* untracedLoop() const { return untracedLoop_; }
  // A recording that aborted in an inlined method whose loop ran longer than loops are
  // unrolled: traces will call that method from now on (kLoopsLong).
  bool foundLongLoop() const { return foundLongLoop_; }
  // Traces of a method's entry, and their side traces, end at the traced activation's
  // return with an EXIT there (other traces abort at it).
  void endAtReturn() { endAtReturn_ = true; }
  bool endedAtReturn() const { return endedAtReturn_; }
  Trace& trace() { return trace_; }
  uint32_t headerDepth() const { return headerDepth_; }
  const uint8_t* linkHeader() const { return linkHeader_; }  // closed with LINK: the loop
  uint32_t maxExtent() const { return uint32_t(refs_.size()); }  // stack words the exits may write
  const std::vector<std::pair<Method*, uint32_t>>& recordedPcs() const { return pcs_; }

 private:
  friend struct RecordMode;
  enum class Step { Next, Closed, Abort };
  // An activation being recorded: the traced one, or a callee inlined into the trace.
  // Callees run concretely in real (recorder-owned) frames on the VM stack.
  struct Level {
    Frame* frame;
    uint32_t base;           // its slot 0, in words from the traced activation's slot 0
    const uint8_t* sendIp;   // in the caller: the send that made it (inlined levels)
    IrRef closure = kNoRef;  // inlined block evaluations: the block
    IrRef context = kNoRef;  // inlined activations that own a context: it
  };

  Step record();
  void leaveInlinedLevels();
  Step recordSend(const uint8_t* p, bool super = false);
  Step enterLevel(const uint8_t* p, Method* target, Value* args, IrRef closure);
  void recordPrimitive(Method* target, uint32_t argc);
  void recordLeafCall(Method* target, uint32_t argc);
  bool recordInlinedPrimitive(Method* target);
  bool recordStringEquality(Method* target);
  bool recordArrayAllocation(Method* target);
  Step recordCallOut(const uint8_t* p, Method* target, uint32_t argc);
  Step recordReturn(bool self);
  bool canStopHere() const;
  Step closeAtBackEdge(const uint8_t* target);
  Step close(IrOp end, const uint8_t* target);
  Step abort(std::string reason) {
    abortReason_ = std::move(reason);
    return Step::Abort;
  }

  Level& cur() { return levels_.back(); }
  Method* method() { return cur().frame->method; }
  bool isRecursion(const uint8_t* sendIp, const Method* target) const;
  uint32_t stackBase(const Level& l) const { return uint32_t(l.frame->method->numArgs) + l.frame->method->numLocals; }
  uint32_t depth(const Level& l) const { return uint32_t(sp_ - outerSlots()) - l.base - stackBase(l); }
  Value* outerSlots() const { return levels_.front().frame->slots; }
  void cover(uint32_t words);
  IrRef slotRef(uint32_t i);  // by index from the traced activation's slot 0
  void setSlot(uint32_t i, Value v, IrRef ref);
  IrRef ownContextRef();
  IrRef contextRef(unsigned level);
  void guardClass(Value receiver, IrRef ref);
  // The state at ip_ (cached until the next bytecode). `atReturn`: the traced
  // activation's return, where only the result is read (of the slots, none for ^ self).
  int32_t snapshot(Returning atReturn = Returning::No);

  const uint8_t* header_;  // root traces: the loop header; side traces: nullptr
  const uint8_t* linkHeader_ = nullptr;
  const uint8_t* loopEnd_ = nullptr;  // root traces: the loop's last back edge
  bool leftLoop_ = false;
  const uint8_t* untracedLoop_ = nullptr;
  bool foundLongLoop_ = false;
  bool endAtReturn_ = false;
  bool endedAtReturn_ = false;
  CanLink canLink_;
  std::vector<const uint8_t*> untracedLoopsPassed_;  // side traces: back edges recorded as jumps
  std::unordered_map<const uint8_t*, uint32_t> unrolled_;  // loops in inlined calls: iterations
  const uint8_t* ip_;
  Value* sp_;
  uint32_t headerDepth_;
  std::vector<Level> levels_;
  std::vector<std::unique_ptr<Frame>> frames_;  // of inlined levels
  Trace trace_;
  std::vector<IrRef> refs_;     // per stack word: its current value, or kNoRef (memory)
  std::vector<bool> written_;   // words whose value differs from memory at iteration start
  int32_t snapshot_ = -1;       // of the current bytecode, made on its first guard
  bool unwinding_ = false;
  bool sendAborted_ = false;
  bool sendInlined_ = false;  // an intrinsic send's slow path entered a level
  std::string abortReason_;
  std::vector<std::pair<Method*, uint32_t>> pcs_;  // the recorded bytecodes, for --jit-log
};

}  // namespace som::tier2
