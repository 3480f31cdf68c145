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
//
// Slow paths are ordinary functions (compiled once, and calls in traces).
#pragma once

#include "interp/bytecodes.h"
#include "interp/frame.h"
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

// Binary sends with fast paths from primitives/arith.h; `fast` answers false when the
// operands are not for it, and the full send follows.
template <class M, class Fast>
SOM_INLINE void binary(M& m, unsigned lit, unsigned ic, Fast fast) {
  Value b = m.peek(0), a = m.peek(1), r;
  if (fast(a, b, r)) {
    m.drop(2);
    m.push(r);
  } else {
    m.send(lit, ic);
  }
}

template <class M> SOM_INLINE void ADD(M& m, unsigned lit, unsigned ic) {
  binary(m, lit, ic, [&](Value a, Value b, Value& r) SOM_LAMBDA {
    if (m.guard(bothSmallInts(a, b))) return m.guard(arith::addSmall(a, b, r));
    if (m.guard(arith::bothImmediateDoubles(a, b))) {
      r = newDouble(a.asImmediateDouble() + b.asImmediateDouble());
      return true;
    }
    return false;
  });
}
template <class M> SOM_INLINE void SUB(M& m, unsigned lit, unsigned ic) {
  binary(m, lit, ic, [&](Value a, Value b, Value& r) SOM_LAMBDA {
    if (m.guard(bothSmallInts(a, b))) return m.guard(arith::subSmall(a, b, r));
    if (m.guard(arith::bothImmediateDoubles(a, b))) {
      r = newDouble(a.asImmediateDouble() - b.asImmediateDouble());
      return true;
    }
    return false;
  });
}
template <class M> SOM_INLINE void MUL(M& m, unsigned lit, unsigned ic) {
  binary(m, lit, ic, [&](Value a, Value b, Value& r) SOM_LAMBDA {
    if (m.guard(bothSmallInts(a, b))) return m.guard(arith::mulSmall(a, b, r));
    if (m.guard(arith::bothImmediateDoubles(a, b))) {
      r = newDouble(a.asImmediateDouble() * b.asImmediateDouble());
      return true;
    }
    return false;
  });
}

template <class M, class IntCmp, class DblCmp>
SOM_INLINE void compare(M& m, unsigned lit, unsigned ic, IntCmp ints, DblCmp dbls) {
  binary(m, lit, ic, [&](Value a, Value b, Value& r) SOM_LAMBDA {
    if (m.guard(bothSmallInts(a, b))) {
      r = boolValue(ints(a, b));
      return true;
    }
    if (m.guard(arith::bothImmediateDoubles(a, b))) {
      r = boolValue(dbls(a.asImmediateDouble(), b.asImmediateDouble()));
      return true;
    }
    return false;
  });
}
template <class M> SOM_INLINE void LT(M& m, unsigned lit, unsigned ic) {
  compare(m, lit, ic, [](Value a, Value b) SOM_LAMBDA { return arith::lessSmall(a, b); }, [](double x, double y) SOM_LAMBDA { return x < y; });
}
template <class M> SOM_INLINE void LE(M& m, unsigned lit, unsigned ic) {
  compare(m, lit, ic, [](Value a, Value b) SOM_LAMBDA { return arith::lessEqualSmall(a, b); }, [](double x, double y) SOM_LAMBDA { return x <= y; });
}
template <class M> SOM_INLINE void GT(M& m, unsigned lit, unsigned ic) {
  compare(m, lit, ic, [](Value a, Value b) SOM_LAMBDA { return arith::lessSmall(b, a); },
          [](double x, double y) SOM_LAMBDA { return x > y; });
}
template <class M> SOM_INLINE void GE(M& m, unsigned lit, unsigned ic) {
  compare(m, lit, ic, [](Value a, Value b) SOM_LAMBDA { return arith::lessEqualSmall(b, a); },
          [](double x, double y) SOM_LAMBDA { return x >= y; });
}
template <class M> SOM_INLINE void EQ(M& m, unsigned lit, unsigned ic) {
  compare(m, lit, ic, [](Value a, Value b) SOM_LAMBDA { return a == b; },
          [](double x, double y) SOM_LAMBDA { return x == y; });
}

template <class M> SOM_INLINE void AT(M& m, unsigned lit, unsigned ic) {
  binary(m, lit, ic, [&](Value a, Value i, Value& r) SOM_LAMBDA {
    if (m.guard(isKind(a, Kind::Array) && i.isSmallInt())) {
      Array* arr = asArray(a);
      uint64_t k = uint64_t(i.asSmallInt() - 1);
      if (m.guard(k < arr->length)) {
        r = arr->elements[k];
        return true;
      }
    }
    return false;
  });
}
template <class M> SOM_INLINE void AT_PUT(M& m, unsigned lit, unsigned ic) {
  Value v = m.peek(0), i = m.peek(1), a = m.peek(2);
  if (m.guard(isKind(a, Kind::Array) && i.isSmallInt())) {
    Array* arr = asArray(a);
    uint64_t k = uint64_t(i.asSmallInt() - 1);
    if (m.guard(k < arr->length)) {
      arr->elements[k] = v;
      m.drop(2);  // at:put: answers the receiver, which stays on the stack
      return;
    }
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
