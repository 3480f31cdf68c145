// The tier-2 trace IR: a linear SSA array (instructions refer to earlier ones by index),
// defined by ir.def. Every instruction is emitted through fold() and CSE, so the recorder
// never builds what is already known: constants fold, repeated tag tests and loads of the
// same frame slot are shared, and a guard on a condition that an earlier guard already
// established disappears.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/value.h"

namespace som {
struct Method;
}

namespace som::tier2 {

enum class IrOp : uint8_t {
#define IROP(name, operands, flags) name,
#include "jit/tier2/ir.def"
#undef IROP
};

enum IrFlags : uint8_t { None = 0, Pure = 1, Guard = 2, Effect = 4 };

struct IrOpInfo {
  const char* name;
  uint8_t operands;
  uint8_t flags;
};
extern const IrOpInfo kIrOps[];

using IrRef = uint32_t;
constexpr IrRef kNoRef = UINT32_MAX;

struct IrIns {
  IrOp op;
  IrRef a = kNoRef, b = kNoRef, c = kNoRef;
  int64_t imm = 0;
  int32_t snapshot = -1;  // guards: where the interpreter resumes
};

// One activation in a snapshot: the traced one (first), or one inlined into it. Its
// slots start at `base` words from the traced activation's slots (the VM stack is one
// array); `pc` is where it continues (for all but the last: the send it is in the middle
// of), `depth` its operand stack depth there.
struct SnapFrame {
  Method* method;
  uint32_t base;
  uint32_t pc;
  uint32_t depth;
  IrRef closure = kNoRef;  // block activations: the block (the exit writes it aside)
  IrRef context = kNoRef;  // inlined activations that own a context: it (written aside too)
};

// The state at a bytecode boundary: the activations, and the stack words (slots,
// counted from the traced activation's slot 0) whose values differ from memory at the
// start of the iteration.
struct Snapshot {
  std::vector<SnapFrame> frames;
  std::vector<std::pair<uint32_t, IrRef>> slots;
  bool unwinding = false;  // resumes after a send that answered the unwind marker (CALLM)
};

class Trace {
 public:
  // Emits (folded, shared) and answers the reference of the result. Guards answer kNoRef
  // when they are known to hold; a guard known to fail is a recorder error.
  IrRef emit(IrOp op, IrRef a = kNoRef, IrRef b = kNoRef, IrRef c = kNoRef, int64_t imm = 0,
             int32_t snapshot = -1);
  IrRef konst(uint64_t raw) { return emit(IrOp::KWORD, kNoRef, kNoRef, kNoRef, int64_t(raw)); }
  int32_t addSnapshot(Snapshot s);
  void markUnwinding(int32_t s) { snapshots_[size_t(s)].unwinding = true; }
  void truncate(size_t size);  // drops trailing effects (never shared)
  // The trace is final: drops what only emitting needs (the CSE table, the tag knowledge)
  // and spare capacity. A compiled trace is kept for its exits as long as the program
  // runs, and a large program makes a thousand of them: without this they held two thirds
  // of the VM's memory, and touching it for the first time cost more than the GC did.
  void seal();

  // A STORE's or STOREX's word, as an offset from its base when known (a constant index),
  // and the value it stores.
  std::optional<int64_t> storeOffset(const IrIns& store) const;
  static IrRef storedValue(const IrIns& store) { return store.op == IrOp::STORE ? store.b : store.c; }

  bool isConstant(IrRef r) const { return r != kNoRef && ins_[r].op == IrOp::KWORD; }
  uint64_t constant(IrRef r) const { return uint64_t(ins_[r].imm); }
  // A constant object that the trace reads (a literal, a global): unless a guard before
  // always fails, the recording read it there too, so it is readable now.
  bool isObjectConstant(IrRef r) const {
    return isConstant(r) && !failingGuard_ && constant(r) != 0 && (constant(r) & kTagMask) == uint64_t(Tag::Pointer);
  }
  const std::vector<IrIns>& instructions() const { return ins_; }
  // Whether a guard was emitted whose condition is constant and false (it always exits).
  bool hasFailingGuard() const { return failingGuard_; }
  const std::vector<Snapshot>& snapshots() const { return snapshots_; }
  size_t size() const { return ins_.size(); }

  std::string dump() const;  // one instruction per line, LuaJIT-style

  // What is known of the low three bits (the tag) of a value: `mask` says which bits are
  // known, `bits` their values. From constants, from the operations that made the value,
  // and from guards emitted so far (a tag test that held).
  // Also what guards established of a value's range, for overflow checks (fold()): room
  // above (adding up to 8, one SmallInteger step, cannot overflow) or below, and a value
  // it is at most (a loop's limit), which has room above if a guard says so.
  enum Room : uint8_t { kRoomAbove = 1, kRoomBelow = 2 };
  struct TagBits {
    uint8_t mask = 0, bits = 0;
    uint8_t room = 0;
    IrRef atMost = kNoRef;
  };
  TagBits tagBits(IrRef r) const { return r == kNoRef ? TagBits{} : tagBits_[r]; }

 private:
  IrRef fold(IrIns& i);
  IrRef storedWord(IrRef object, int64_t offset);
  IrRef append(const IrIns& i);
  TagBits deriveTagBits(const IrIns& i) const;
  void learnFromGuard(const IrIns& guard);
  void learn(IrRef r, uint8_t mask, uint8_t bits);
  void learnRange(const IrIns& guard);

  std::vector<IrIns> ins_;
  std::vector<TagBits> tagBits_;  // per instruction
  bool failingGuard_ = false;
  std::vector<Snapshot> snapshots_;
  // The CSE table: pure instructions and established guards, by operation and operands.
  // Open addressing with linear probing in one array: every emit looks up, and a node per
  // entry (std::unordered_map) cost an allocation each, pointer chasing on lookups and a
  // node-by-node copy where loop peeling copies the trace.
  struct Key {
    IrOp op;
    IrRef a, b, c;
    int64_t imm;
    bool operator==(const Key&) const = default;
  };
  class CseTable {
   public:
    IrRef find(const Key& k) const;
    void insert(const Key& k, IrRef r);
    void release();

   private:
    struct Entry {
      Key key;
      IrRef ref = kNoRef;  // kNoRef: empty
    };
    size_t indexOf(const Key& k) const;
    std::vector<Entry> entries_;  // a power of two in size, at most half full
    size_t used_ = 0;
  };
  CseTable shared_;
};

}  // namespace som::tier2
