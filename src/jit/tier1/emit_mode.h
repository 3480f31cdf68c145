// The Emit mode: the handlers' fast paths (interp/handlers.h, primitives/arith.h)
// instantiated so that running them *emits* their machine code instead of computing.
//
// Words (V) are scratch registers; every condition is decided at run time: guard(c)
// emits "compare, and jump to the slow path unless c holds", then answers true, so the
// generator follows the fast path of each handler (the first guarded alternative) and
// everything else reaches the slow path, where the generator calls the full handler.
// A handler's fast path changes nothing before its last guard, so the slow path can run
// the bytecode from the start.
#pragma once

#include <asmjit/x86.h>

#include <vector>

#include "vm/value.h"

namespace som::tier1 {

class EmitMode {
 public:
  // A word: a scratch register, or a small constant folded into instructions.
  struct V {
    asmjit::x86::Gp reg;
    bool isImmediate = false;
    int32_t imm = 0;
    bool isPendingBoolean = false;  // a fused comparison's result (see fuseBranch)
  };
  // A double: a scratch XMM register.
  struct F {
    asmjit::x86::Xmm reg;
  };
  // A condition not yet emitted: a comparison of two words or two doubles, or a
  // conjunction, or one that has already been checked (overflow, checked when the
  // arithmetic was emitted).
  struct Cond {
    enum Kind { Equal, Less, LessEqual, Below, Checked, FLess, FLessEqual, FEqual } kind;
    V a, b;
    std::vector<Cond> also;
    F fa = {}, fb = {};
  };

  // An operand the generator has not pushed yet (see Generator::deferPush): it is on top
  // of the operand stack as far as the handler knows, but still in its frame slot or a
  // constant.
  struct Deferred {
    bool isSlot;
    uint32_t slot;
    uint64_t raw;
  };

  EmitMode(asmjit::x86::Assembler& a, asmjit::Label slow, asmjit::x86::Gp sp,
           asmjit::x86::Gp slots, bool doubles, std::vector<Deferred> deferred)
      : a_(a), slow_(slow), sp_(sp), slots_(slots), doubles_(doubles), deferred_(std::move(deferred)) {}

  // The next bytecode branches on this one's Boolean result: instead of materialising it,
  // push() of the result compares and jumps (to `whenTrue` if the result is true, else to
  // `whenFalse`).
  void fuseBranch(asmjit::Label whenTrue, asmjit::Label whenFalse) {
    fused_ = true;
    whenTrue_ = whenTrue;
    whenFalse_ = whenFalse;
  }

  // Type feedback from the slow path (see generator.cpp): follow the Double path first.
  bool expectsDoubles(unsigned) const { return doubles_; }

  // --- operand stack ---
  V peek(int n);
  void drop(int n);
  void push(V v);
  // The fast path does not apply: go to the full handler.
  void send(unsigned, unsigned) { a_.jmp(slow_); }

  // --- words ---
  V konst(uint64_t raw);
  V bitAnd(V a, V b);
  V bitOr(V a, V b);
  V sub(V a, V b);
  V shiftRightArith(V a, int n);
  Cond eq(V a, V b) { return {Cond::Equal, a, b, {}}; }
  Cond lt(V a, V b) { return {Cond::Less, a, b, {}}; }
  Cond le(V a, V b) { return {Cond::LessEqual, a, b, {}}; }
  Cond ltUnsigned(V a, V b) { return {Cond::Below, a, b, {}}; }
  Cond all(Cond a, Cond b);
  Cond addNoOverflow(V a, V b, V& out);
  Cond subNoOverflow(V a, V b, V& out);
  Cond mulNoOverflow(V a, V b, V& out);
  V select(Cond c, V x, V y);
  V load(V base, int32_t offset);
  V loadFixed(V base, int32_t offset) { return load(base, offset); }
  V loadByte(V base, int32_t offset);
  V loadIndexed(V base, V index, int32_t offset);
  void storeIndexed(V base, V index, int32_t offset, V value);

  // --- doubles ---
  F unboxDouble(V v);
  Cond boxDouble(F f, V& out);
  F fadd(F x, F y);
  F fsub(F x, F y);
  F fmul(F x, F y);
  Cond flt(F x, F y) { return {Cond::FLess, {}, {}, {}, x, y}; }
  Cond fle(F x, F y) { return {Cond::FLessEqual, {}, {}, {}, x, y}; }
  Cond feq(F x, F y) { return {Cond::FEqual, {}, {}, {}, x, y}; }

  bool guard(const Cond& c);

 private:
  V fresh();
  F freshDouble();
  template <class Op>
  F doubleOp(F x, F y, Op op);
  void jumpUnless(const Cond& c, asmjit::Label target);
  asmjit::x86::Gp inRegister(V v);
  void compare(const Cond& c);
  template <class Op>
  V binaryOp(V x, V y, Op op);
  Cond checked(V result, V& out);

  asmjit::x86::Assembler& a_;
  asmjit::Label slow_;
  asmjit::x86::Gp sp_, slots_;
  int next_ = 0;
  int nextDouble_ = 0;
  bool doubles_;
  bool fused_ = false;
  asmjit::Label whenTrue_, whenFalse_;
  std::vector<Cond> pending_;
  std::vector<Deferred> deferred_;  // the top of the stack, topmost last
};

}  // namespace som::tier1
