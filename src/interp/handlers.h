// THE DEFINITION: the meaning of every bytecode, written once, as templates over an
// execution mode M. The interpreter (interp/interpreter.cpp) instantiates them with the
// Interp mode; tier 1 calls the Interp instantiations from native code, and the tier-2
// recorder instantiates them with a Record mode whose values also carry IR references.
//
// What a mode provides:
//   push(v), pop(), peek(n), drop(n)     operand stack
//   slot(i), context(level), literal(i)  frame access (slot 0 = self)
//   guard(c)                             a condition the fast path depends on; Interp
//                                        returns c, Record also emits a guard for it
//   send(lit, ic), superSend(lit, ic)    full sends; result (null = unwinding) on the stack
//   unknownGlobal(symbol)                the unknownGlobal: protocol
//   jumpIf(cond, off), jump(off), jumpBack(off)   control flow
//   nonBoolean(v)                        a conditional jump on a non-Boolean (fatal)
//   the word operations of primitives/arith.h (V, konst, eq, select, load, ...) and
//   storeIndexed(base, index, offset, value)
//   expectsDoubles(ic)                   a hint: this site has been seen to compute on
//                                        Doubles (modes that emit code try that path first)
//
// Slow paths are ordinary functions (compiled once, and calls in traces).
#pragma once

#include "interp/bytecodes.h"
#include "interp/frame.h"

#include <cstddef>
#include "primitives/arith.h"
#include "vm/numbers.h"
#include "vm/universe.h"

#define SOM_INLINE inline __attribute__((always_inline))
// Lambdas inside handlers must inline too, or the mode object's address escapes and the
// interpreter's ip and sp leave their registers.
#define SOM_LAMBDA __attribute__((always_inline))

namespace som {

Array* copyLiteralArray(Array* literal);

namespace op {

template <class M> SOM_INLINE void PUSH_SLOT(M& m, unsigned i) { m.push(m.slot(i)); }
template <class M> SOM_INLINE void PUSH_SELF(M& m) { m.push(m.slot(0)); }
template <class M> SOM_INLINE void PUSH_CTX(M& m, unsigned i, unsigned level) {
  m.push(m.context(level)->vars[i]);
}
template <class M> SOM_INLINE void PUSH_FIELD(M& m, unsigned word) {
  m.push(m.slot(0).asObject()->fieldWords()[word]);
}
template <class M> SOM_INLINE void PUSH_CONST(M& m, unsigned lit) { m.push(m.literal(lit)); }
template <class M> SOM_INLINE void PUSH_GLOBAL(M& m, unsigned lit) {
  Symbol* name = asString(m.literal(lit));
  Value v = name->global;
  if (m.guard(!v.isNull())) m.push(v);
  else m.unknownGlobal(name);
}
template <class M> SOM_INLINE void PUSH_BLOCK(M& m, unsigned lit) {
  auto* code = static_cast<Method*>(m.literal(lit).asObject());
  m.push(Value::fromObject(newBlock(code, m.frame()->context, m.slot(0))));
}
template <class M> SOM_INLINE void PUSH_ARRAY_LIT(M& m, unsigned lit) {
  m.push(Value::fromObject(copyLiteralArray(asArray(m.literal(lit)))));
}
template <class M> SOM_INLINE void PUSH_NIL(M& m) { m.push(U.nil); }
template <class M> SOM_INLINE void PUSH_TRUE(M& m) { m.push(U.trueObject); }
template <class M> SOM_INLINE void PUSH_FALSE(M& m) { m.push(U.falseObject); }
template <class M> SOM_INLINE void PUSH_0(M& m) { m.push(Value::fromSmallInt(0)); }
template <class M> SOM_INLINE void PUSH_1(M& m) { m.push(Value::fromSmallInt(1)); }
template <class M> SOM_INLINE void POP(M& m) { m.drop(1); }
template <class M> SOM_INLINE void DUP(M& m) { m.push(m.peek(0)); }
template <class M> SOM_INLINE void POP_SLOT(M& m, unsigned i) { m.slot(i) = m.pop(); }
template <class M> SOM_INLINE void POP_CTX(M& m, unsigned i, unsigned level) {
  m.context(level)->vars[i] = m.pop();
}
template <class M> SOM_INLINE void POP_FIELD(M& m, unsigned word) {
  m.slot(0).asObject()->fieldWords()[word] = m.pop();
}

template <class M> SOM_INLINE void SEND(M& m, unsigned lit, unsigned ic) { m.send(lit, ic); }
template <class M> SOM_INLINE void SUPER_SEND(M& m, unsigned lit, unsigned ic) { m.superSend(lit, ic); }

// Binary sends with fast paths from primitives/arith.h, written over the mode's words
// (M::V) so that tier 1 can instantiate them too. `fast` answers false when the operands
// are not for it, and the full send follows; nothing is changed before it answers.
template <class M, class Fast>
SOM_INLINE void binary(M& m, unsigned lit, unsigned ic, Fast fast) {
  typename M::V b = m.peek(0), a = m.peek(1), r;
  if (fast(a, b, r)) {
    m.drop(2);
    m.push(r);
  } else {
    m.send(lit, ic);
  }
}

template <class M, class IntOp, class DoubleOp>
SOM_INLINE void arithmetic(M& m, unsigned lit, unsigned ic, IntOp ints, DoubleOp doubles) {
  using V = typename M::V;
  binary(m, lit, ic, [&](V a, V b, V& r) SOM_LAMBDA {
    if (!m.expectsDoubles(ic) && m.guard(arith::bothSmallInts(m, a, b))) return m.guard(ints(a, b, r));
    if (m.guard(arith::bothImmediateDoubles(m, a, b))) return m.guard(doubles(a, b, r));
    return false;
  });
}
#define SOM_ARITHMETIC(NAME, op)                                                                  \
  template <class M>                                                                             \
  SOM_INLINE void NAME(M& m, unsigned lit, unsigned ic) {                                        \
    using V = typename M::V;                                                                     \
    arithmetic(                                                                                  \
        m, lit, ic, [&](V a, V b, V& r) SOM_LAMBDA { return arith::op##Small(m, a, b, r); },     \
        [&](V a, V b, V& r) SOM_LAMBDA { return arith::op##Doubles(m, a, b, r); });              \
  }
SOM_ARITHMETIC(ADD, add)
SOM_ARITHMETIC(SUB, sub)
SOM_ARITHMETIC(MUL, mul)
#undef SOM_ARITHMETIC

// Comparisons answer true or false; on immediate Doubles they follow IEEE. `swap` makes
// > and >= out of < and <=.
template <class M, class IntCmp, class DoubleCmp>
SOM_INLINE void compare(M& m, unsigned lit, unsigned ic, IntCmp ints, DoubleCmp doubles) {
  using V = typename M::V;
  binary(m, lit, ic, [&](V a, V b, V& r) SOM_LAMBDA {
    if (!m.expectsDoubles(ic) && m.guard(arith::bothSmallInts(m, a, b))) {
      r = m.select(ints(a, b), m.konst(U.trueObject.raw()), m.konst(U.falseObject.raw()));
      return true;
    }
    if (m.guard(arith::bothImmediateDoubles(m, a, b))) {
      r = m.select(doubles(a, b), m.konst(U.trueObject.raw()), m.konst(U.falseObject.raw()));
      return true;
    }
    return false;
  });
}
#define SOM_COMPARISON(NAME, intCmp, doubleCmp, x, y)                                              \
  template <class M>                                                                              \
  SOM_INLINE void NAME(M& m, unsigned lit, unsigned ic) {                                         \
    using V = typename M::V;                                                                      \
    compare(                                                                                      \
        m, lit, ic, [&](V a, V b) SOM_LAMBDA { return arith::intCmp(m, x, y); },                  \
        [&](V a, V b) SOM_LAMBDA { return arith::doubleCmp(m, x, y); });                          \
  }
SOM_COMPARISON(LT, lessSmall, lessDoubles, a, b)
SOM_COMPARISON(LE, lessEqualSmall, lessEqualDoubles, a, b)
SOM_COMPARISON(GT, lessSmall, lessDoubles, b, a)
SOM_COMPARISON(GE, lessEqualSmall, lessEqualDoubles, b, a)
SOM_COMPARISON(EQ, equalSmall, equalDoubles, a, b)
#undef SOM_COMPARISON

// Array>>at: and at:put: on an Array receiver with an in-range SmallInteger index.
template <class M, class V>
SOM_INLINE bool arrayElement(M& m, V array, V index, V& zeroBased) {
  if (!m.guard(arith::isPointer(m, array))) return false;
  if (!m.guard(arith::hasKind(m, array, Kind::Array))) return false;
  if (!m.guard(arith::isSmallInt(m, index))) return false;
  zeroBased = arith::arrayIndex(m, index);
  return m.guard(m.ltUnsigned(zeroBased, m.loadFixed(array, kArrayLengthOffset)));
}
template <class M> SOM_INLINE void AT(M& m, unsigned lit, unsigned ic) {
  using V = typename M::V;
  binary(m, lit, ic, [&](V a, V i, V& r) SOM_LAMBDA {
    V k;
    if (!arrayElement(m, a, i, k)) return false;
    r = m.loadIndexed(a, k, kArrayElementsOffset);
    return true;
  });
}
template <class M> SOM_INLINE void AT_PUT(M& m, unsigned lit, unsigned ic) {
  using V = typename M::V;
  V v = m.peek(0), i = m.peek(1), a = m.peek(2), k;
  if (arrayElement(m, a, i, k)) {
    m.storeIndexed(a, k, kArrayElementsOffset, v);
    m.drop(2);  // at:put: answers the receiver, which stays on the stack
    return;
  }
  m.send(lit, ic);
}

// Conditional jumps: only true and false are Booleans; anything else is an error, as the
// non-inlined send would be (Nil and others do not understand ifTrue:).
template <class M> SOM_INLINE void JUMP_IF_TRUE(M& m, unsigned off) {
  Value c = m.pop();
  if (m.guard(c == U.trueObject)) m.jump(off);
  else if (!m.guard(c == U.falseObject)) m.nonBoolean(c);
}
template <class M> SOM_INLINE void JUMP_IF_FALSE(M& m, unsigned off) {
  Value c = m.pop();
  if (m.guard(c == U.falseObject)) m.jump(off);
  else if (!m.guard(c == U.trueObject)) m.nonBoolean(c);
}
template <class M> SOM_INLINE void JUMP_IF_NIL(M& m, unsigned off) {
  if (m.guard(m.pop() == U.nil)) m.jump(off);
}
template <class M> SOM_INLINE void JUMP_IF_NOT_NIL(M& m, unsigned off) {
  if (m.guard(m.pop() != U.nil)) m.jump(off);
}
template <class M> SOM_INLINE void JUMP(M& m, unsigned off) { m.jump(off); }
template <class M> SOM_INLINE void JUMP_BACK(M& m, unsigned off) { m.jumpBack(off); }

}  // namespace op
}  // namespace som
