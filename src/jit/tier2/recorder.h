// The trace recorder: executes one iteration of a hot loop, bytecode by bytecode, on the
// real frame (so the program goes on exactly as in the interpreter) while emitting its
// trace IR: the intrinsic sends through the handlers in Record mode (record_mode.h), data
// movement and control flow itself (as tier 1 does). The iteration's end at the loop
// header closes the trace; anything the trace cannot express yet aborts recording.
#pragma once

#include <string>
#include <vector>

#include "interp/frame.h"
#include "jit/tier2/ir.h"

namespace som::tier2 {

struct RecordMode;

class Recorder {
 public:
  Recorder(Frame& frame, const uint8_t* header, Value* sp);

  enum class Outcome { Closed, Aborted };
  // Records until the loop closes or recording aborts. Afterwards ip()/sp() say where the
  // interpreter continues (the header when closed); `unwinding` is set when the last
  // executed bytecode was a send that answered the unwind marker.
  Outcome run();

  const uint8_t* ip() const { return ip_; }
  Value* sp() const { return sp_; }
  bool unwinding() const { return unwinding_; }
  const std::string& abortReason() const { return abortReason_; }
  Trace& trace() { return trace_; }
  uint32_t headerDepth() const { return headerDepth_; }
  const std::vector<uint32_t>& recordedPcs() const { return pcs_; }

 private:
  friend struct RecordMode;
  enum class Step { Next, Closed, Abort };
  Step record();
  Step abort(std::string reason) {
    abortReason_ = std::move(reason);
    return Step::Abort;
  }

  uint32_t stackBase() const;
  uint32_t depth() const { return uint32_t(sp_ - frame_.slots) - stackBase(); }
  IrRef slotRef(uint32_t i);
  void setSlot(uint32_t i, Value v, IrRef ref);
  IrRef frameRef() { return trace_.emit(IrOp::FRAME); }
  IrRef contextRef(unsigned level);
  int32_t snapshot();

  Frame& frame_;
  const uint8_t* header_;
  const uint8_t* ip_;
  Value* sp_;
  uint32_t headerDepth_;
  Trace trace_;
  std::vector<IrRef> refs_;     // per frame slot: its current value, or kNoRef (memory)
  std::vector<bool> written_;   // slots whose value differs from memory at iteration start
  int32_t snapshot_ = -1;       // of the current bytecode, made on its first guard
  bool unwinding_ = false;
  bool sendAborted_ = false;
  std::string abortReason_;
  std::vector<uint32_t> pcs_;   // the recorded bytecodes, for --jit-log
};

}  // namespace som::tier2
