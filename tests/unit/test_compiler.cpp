// The bytecode compiler: inlining of control-flow messages, intrinsic sends, variable
// placement (frame slots vs heap contexts), method flags; plus a few runs of the compiled
// code through the interpreter to confirm the inlined forms mean what the library says.
#include <gtest/gtest.h>

#include "vm/numbers.h"
#include "vm_fixture.h"

using namespace som;
using namespace twosom_test;

namespace {

class Compiler : public VmTest {};

bool hasOp(const Method* m, std::string_view name) { return countOp(m, name) > 0; }

Method* compileOne(const std::string& className, const std::string& methodSource,
                   const std::string& selector, const std::string& fields = "") {
  Class* c = defineClass(className + " = ( " + fields + " " + methodSource + " )");
  EXPECT_NE(c, nullptr);
  Method* m = methodOf(c, selector);
  EXPECT_NE(m, nullptr) << selector;
  return m;
}

}  // namespace

// --- exact sequences of small methods --------------------------------------------------------

TEST_F(Compiler, AddOneUsesAddIntrinsic) {
  Method* m = compileOne("TcAdd", "m: x = ( ^ x + 1 )", "m:");
  EXPECT_EQ(opcodeNames(m), (std::vector<std::string>{"PUSH_SLOT", "PUSH_1", "ADD", "RETURN_LOCAL"}))
      << listing(m);
  EXPECT_EQ(countOp(m, "SEND"), 0);
  auto insns = disassemble(m);
  EXPECT_EQ(insns[2].selector, "+");  // the fallback send keeps its selector
  EXPECT_EQ(m->numArgs, 2);
}

TEST_F(Compiler, IntrinsicsForArithmeticComparisonAndIndexing) {
  Method* m = compileOne("TcIntr",
                         "m: a with: b = ( ^ (a - b) * (a < b) + (a <= b) + (a > b) + (a >= b) + "
                         "(a = b) + (a at: 1) + (a at: 1 put: b) + (a / b) + (a == b) )",
                         "m:with:");
  for (const char* op : {"ADD", "SUB", "MUL", "LT", "LE", "GT", "GE", "EQ", "AT", "AT_PUT"})
    EXPECT_TRUE(hasOp(m, op)) << op << "\n" << listing(m);
  // Only / and == are ordinary sends.
  EXPECT_EQ(countOp(m, "SEND"), 2) << listing(m);
  EXPECT_EQ(countSendsOf(m, "/"), 1);
  EXPECT_EQ(countSendsOf(m, "=="), 1);
}

TEST_F(Compiler, SuperSendIsNeverAnIntrinsic) {
  Method* m = compileOne("TcSuperAdd", "+ x = ( ^ super + x )", "+");
  EXPECT_EQ(opcodeNames(m), (std::vector<std::string>{"PUSH_SELF", "PUSH_SLOT", "SUPER_SEND", "RETURN_LOCAL"}))
      << listing(m);
}

TEST_F(Compiler, SuperFooBarSendsBarNormally) {
  Method* m = compileOne("TcSuperChain", "m = ( ^ super printString size )", "m");
  auto insns = disassemble(m);
  ASSERT_EQ(insns.size(), 4u) << listing(m);
  EXPECT_EQ(insns[1].name, "SUPER_SEND");
  EXPECT_EQ(insns[1].selector, "printString");
  EXPECT_EQ(insns[2].name, "SEND");
  EXPECT_EQ(insns[2].selector, "size");
}

TEST_F(Compiler, ConstantsAndPseudoVariables) {
  Method* m = compileOne("TcConst", "m = ( ^ Array with: 0 with: 1 with: 2 with: nil )", "m");
  EXPECT_EQ(opcodeNames(m),
            (std::vector<std::string>{"PUSH_GLOBAL", "PUSH_0", "PUSH_1", "PUSH_CONST", "PUSH_NIL",
                                      "SEND", "RETURN_LOCAL"}))
      << listing(m);
  Method* t = compileOne("TcTrue", "m = ( ^ true & false )", "m");
  EXPECT_EQ(opcodeNames(t), (std::vector<std::string>{"PUSH_TRUE", "PUSH_FALSE", "SEND", "RETURN_LOCAL"}));
}

TEST_F(Compiler, MethodWithoutReturnAnswersSelf) {
  Method* m = compileOne("TcSelf", "m = ( self foo )", "m");
  EXPECT_EQ(opcodeNames(m), (std::vector<std::string>{"PUSH_SELF", "SEND", "POP", "RETURN_SELF"}))
      << listing(m);
  Method* r = compileOne("TcSelf2", "m = ( ^ self )", "m");
  EXPECT_EQ(opcodeNames(r), (std::vector<std::string>{"RETURN_SELF"}));
}

TEST_F(Compiler, LiteralArrayIsCopiedFromATemplate) {
  Method* m = compileOne("TcArr", "m = ( ^ #(1 2 #(3)) )", "m");
  EXPECT_EQ(opcodeNames(m), (std::vector<std::string>{"PUSH_ARRAY_LIT", "RETURN_LOCAL"}));
  uint16_t lit = readU16(m->code + 1);
  ASSERT_LT(lit, m->numLiterals);
  Value a = m->literals[lit];
  ASSERT_TRUE(isKind(a, Kind::Array));
  ASSERT_EQ(asArray(a)->length, 3u);
  EXPECT_TRUE(isKind(asArray(a)->elements[2], Kind::Array));
}

TEST_F(Compiler, FieldsUsePushAndPopField) {
  Method* m = compileOne("TcField", "m = ( b := a. ^ b )", "m", "| a b |");
  EXPECT_EQ(opcodeNames(m), (std::vector<std::string>{"PUSH_FIELD", "POP_FIELD", "PUSH_FIELD", "RETURN_LOCAL"}))
      << listing(m);
  EXPECT_EQ(m->code[1], kFirstFieldWord + 0);
  EXPECT_EQ(m->code[3], kFirstFieldWord + 1);
}

TEST_F(Compiler, LocalsLiveInFrameSlots) {
  Method* m = compileOne("TcLocal", "m = ( | x | x := 3. ^ x )", "m");
  EXPECT_EQ(opcodeNames(m), (std::vector<std::string>{"PUSH_CONST", "POP_SLOT", "PUSH_SLOT", "RETURN_LOCAL"}))
      << listing(m);
  EXPECT_FALSE(m->flags & kOwnsContext);
  EXPECT_EQ(m->numContextVars, 0);
  EXPECT_EQ(m->numLocals, 1);
}

// --- inlining --------------------------------------------------------------------------------

TEST_F(Compiler, IfTrueIsInlined) {
  Method* m = compileOne("TcIfTrue", "m: x = ( x ifTrue: [ ^ 1 ]. ^ 2 )", "m:");
  EXPECT_EQ(countSendsOf(m, "ifTrue:"), 0) << listing(m);
  EXPECT_TRUE(hasOp(m, "JUMP_IF_FALSE")) << listing(m);
  EXPECT_FALSE(hasOp(m, "PUSH_BLOCK"));
  EXPECT_TRUE(blocksOf(m).empty());
  // The ^ inside the inlined block is a local return of the method.
  EXPECT_FALSE(hasOp(m, "RETURN_NONLOCAL"));
  EXPECT_FALSE(m->flags & kHasNonLocalReturn);
  EXPECT_FALSE(m->flags & kOwnsContext);
}

TEST_F(Compiler, IfFalseAndIfTrueIfFalseAreInlined) {
  Method* f = compileOne("TcIfFalse", "m: x = ( ^ x ifFalse: [ 1 ] )", "m:");
  EXPECT_EQ(countSendsOf(f, "ifFalse:"), 0);
  EXPECT_TRUE(hasOp(f, "JUMP_IF_TRUE")) << listing(f);

  Method* tf = compileOne("TcIfTF", "m: x = ( ^ x ifTrue: [ 1 ] ifFalse: [ 2 ] )", "m:");
  EXPECT_EQ(countSendsOf(tf, "ifTrue:ifFalse:"), 0);
  EXPECT_EQ(countOp(tf, "JUMP_IF_FALSE"), 1) << listing(tf);
  EXPECT_EQ(countOp(tf, "JUMP"), 1) << listing(tf);
  EXPECT_TRUE(blocksOf(tf).empty());
}

TEST_F(Compiler, AndOrIfNilAreInlined) {
  Method* m = compileOne("TcAndOr",
                         "m: x = ( ^ ((x and: [ x ]) or: [ x ]) ifNil: [ 3 ] )", "m:");
  EXPECT_EQ(countSendsOf(m, "and:"), 0) << listing(m);
  EXPECT_EQ(countSendsOf(m, "or:"), 0);
  EXPECT_EQ(countSendsOf(m, "ifNil:"), 0);
  EXPECT_TRUE(hasOp(m, "JUMP_IF_NOT_NIL"));
  EXPECT_TRUE(blocksOf(m).empty());
}

TEST_F(Compiler, WhileTrueIsInlinedAsALoop) {
  Method* m = compileOne("TcWhile", "m = ( | i | i := 0. [ i < 10 ] whileTrue: [ i := i + 1 ]. ^ i )", "m");
  EXPECT_EQ(countSendsOf(m, "whileTrue:"), 0) << listing(m);
  EXPECT_EQ(countOp(m, "JUMP_IF_FALSE"), 1);
  EXPECT_EQ(countOp(m, "JUMP_BACK"), 1);
  EXPECT_TRUE(hasOp(m, "LT"));
  EXPECT_TRUE(hasOp(m, "ADD"));
  EXPECT_TRUE(blocksOf(m).empty());
}

TEST_F(Compiler, WhileFalseIsInlined) {
  Method* m = compileOne("TcWhileF", "m = ( | i | i := 0. [ i >= 10 ] whileFalse: [ i := i + 1 ]. ^ i )", "m");
  EXPECT_EQ(countSendsOf(m, "whileFalse:"), 0) << listing(m);
  EXPECT_EQ(countOp(m, "JUMP_IF_TRUE"), 1);
  EXPECT_EQ(countOp(m, "JUMP_BACK"), 1);
}

TEST_F(Compiler, ToDoIsInlined) {
  Method* m = compileOne("TcToDo", "m = ( | s | s := 0. 1 to: 10 do: [ :i | s := s + i ]. ^ s )", "m");
  EXPECT_EQ(countSendsOf(m, "to:do:"), 0) << listing(m);
  EXPECT_EQ(countOp(m, "JUMP_BACK"), 1);
  EXPECT_EQ(countOp(m, "JUMP_IF_FALSE"), 1);
  EXPECT_TRUE(hasOp(m, "LE"));
  EXPECT_TRUE(blocksOf(m).empty());
  EXPECT_FALSE(m->flags & kOwnsContext);
}

TEST_F(Compiler, DownToDoAndToByDoAreInlined) {
  Method* d = compileOne("TcDownTo", "m = ( | s | s := 0. 10 downTo: 1 do: [ :i | s := s + i ]. ^ s )", "m");
  EXPECT_EQ(countSendsOf(d, "downTo:do:"), 0) << listing(d);
  EXPECT_TRUE(hasOp(d, "GE"));
  EXPECT_TRUE(hasOp(d, "SUB"));
  Method* b = compileOne("TcToBy", "m = ( | s | s := 0. 1 to: 10 by: 3 do: [ :i | s := s + i ]. ^ s )", "m");
  EXPECT_EQ(countSendsOf(b, "to:by:do:"), 0) << listing(b);
  EXPECT_EQ(countOp(b, "JUMP_BACK"), 1);
}

TEST_F(Compiler, NonLiteralBlockArgumentsAreRealSends) {
  Method* a = compileOne("TcNL1", "m: x with: b = ( ^ x ifTrue: b )", "m:with:");
  EXPECT_EQ(countSendsOf(a, "ifTrue:"), 1) << listing(a);
  EXPECT_FALSE(hasOp(a, "JUMP_IF_FALSE"));

  Method* w = compileOne("TcNL2", "m: c = ( c whileTrue: [ 1 ] )", "m:");
  EXPECT_EQ(countSendsOf(w, "whileTrue:"), 1) << listing(w);
  EXPECT_FALSE(hasOp(w, "JUMP_BACK"));

  Method* t = compileOne("TcNL3", "m: b = ( 1 to: 10 do: b )", "m:");
  EXPECT_EQ(countSendsOf(t, "to:do:"), 1) << listing(t);
  EXPECT_FALSE(hasOp(t, "JUMP_BACK"));

  // A block with the wrong number of parameters is not inlined either.
  Method* p = compileOne("TcNL4", "m: x = ( ^ x ifTrue: [ :y | y ] )", "m:");
  EXPECT_EQ(countSendsOf(p, "ifTrue:"), 1) << listing(p);
  EXPECT_EQ(blocksOf(p).size(), 1u);

  // to:by:do: with a non-literal step stays a send.
  Method* s = compileOne("TcNL5", "m: k = ( 1 to: 10 by: k do: [ :i | i ] )", "m:");
  EXPECT_EQ(countSendsOf(s, "to:by:do:"), 1) << listing(s);
}

TEST_F(Compiler, ToDoWhoseBlockCapturesTheLoopVariableIsNotInlined) {
  Method* m = compileOne("TcToDoCap",
                         "m = ( | blocks | blocks := Array new: 3. "
                         "1 to: 3 do: [ :i | blocks at: i put: [ i ] ]. ^ blocks )",
                         "m");
  EXPECT_EQ(countSendsOf(m, "to:do:"), 1) << listing(m);
  EXPECT_FALSE(hasOp(m, "JUMP_BACK"));
  auto blocks = blocksOf(m);
  ASSERT_EQ(blocks.size(), 1u);
  Method* loopBody = blocks[0];
  EXPECT_TRUE(loopBody->flags & kOwnsContext) << "the loop body's i lives in its context";
  auto inner = blocksOf(loopBody);
  ASSERT_EQ(inner.size(), 1u);
  EXPECT_TRUE(hasOp(inner[0], "PUSH_CTX")) << listing(inner[0]);
}

TEST_F(Compiler, ToDoWithAssignedLoopVariableIsNotInlined) {
  Method* m = compileOne("TcToDoAssign", "m = ( 1 to: 3 do: [ :i | i := i + 1 ] )", "m");
  EXPECT_EQ(countSendsOf(m, "to:do:"), 1) << listing(m);
}

TEST_F(Compiler, InlinedBlockWhoseLocalIsCapturedIsNotInlined) {
  Method* m = compileOne("TcIfCap", "m: x = ( x ifTrue: [ | t | t := 5. ^ [ t ] ]. ^ nil )", "m:");
  EXPECT_EQ(countSendsOf(m, "ifTrue:"), 1) << listing(m);
  // The ^ is now inside a real block: a non-local return.
  EXPECT_TRUE(m->flags & kHasNonLocalReturn);
}

TEST_F(Compiler, OuterVariableCapturedInsideInlinedLoopStaysInlined) {
  // The loop body is inlined; the block inside it captures the method's local s, which
  // therefore moves to the method's context, but the loop itself stays a loop.
  Method* m = compileOne("TcLoopCap",
                         "m = ( | s | s := 0. 1 to: 3 do: [ :i | s := s + i. [ s ] ]. ^ s )", "m");
  EXPECT_EQ(countSendsOf(m, "to:do:"), 0) << listing(m);
  EXPECT_TRUE(hasOp(m, "JUMP_BACK"));
  EXPECT_TRUE(hasOp(m, "POP_CTX"));
  EXPECT_TRUE(m->flags & kOwnsContext);
}

// --- captured variables and contexts ------------------------------------------------------------

TEST_F(Compiler, CapturedLocalUsesContext) {
  Method* m = compileOne("TcCap", "m = ( | x | x := 1. ^ [ x ] )", "m");
  EXPECT_TRUE(m->flags & kOwnsContext) << listing(m);
  EXPECT_EQ(m->numContextVars, 1);
  EXPECT_TRUE(hasOp(m, "POP_CTX")) << listing(m);
  EXPECT_FALSE(hasOp(m, "POP_SLOT")) << listing(m);
  EXPECT_TRUE(hasOp(m, "PUSH_BLOCK"));
  auto blocks = blocksOf(m);
  ASSERT_EQ(blocks.size(), 1u);
  Method* b = blocks[0];
  EXPECT_TRUE(b->isBlock());
  EXPECT_EQ(b->outerMethod, m);
  EXPECT_EQ(opcodeNames(b), (std::vector<std::string>{"PUSH_CTX", "RETURN_LOCAL"})) << listing(b);
  EXPECT_EQ(b->code[1], 0);  // context index 0
  EXPECT_EQ(b->code[2], 0);  // level 0: the block owns no context, the method's is next
  EXPECT_FALSE(b->flags & kOwnsContext);
}

TEST_F(Compiler, CapturedAssignmentFromBlockUsesPopCtx) {
  Method* m = compileOne("TcCapSet", "m = ( | x | [ x := 2 ] value. ^ x )", "m");
  EXPECT_TRUE(m->flags & kOwnsContext);
  EXPECT_TRUE(hasOp(m, "PUSH_CTX")) << listing(m);
  auto blocks = blocksOf(m);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_TRUE(hasOp(blocks[0], "POP_CTX")) << listing(blocks[0]);
}

TEST_F(Compiler, CapturedArgumentIsCopiedIntoTheContext) {
  Method* m = compileOne("TcCapArg", "m: a = ( ^ [ a ] )", "m:");
  EXPECT_TRUE(m->flags & kOwnsContext);
  EXPECT_EQ(m->numCapturedArgs, 1);
  ASSERT_NE(m->capturedArgs, nullptr);
  EXPECT_EQ(m->capturedArgs[0], 1);  // argument slot 1
  EXPECT_EQ(m->capturedArgs[1], 0);  // context index 0
}

TEST_F(Compiler, ContextLevelsCountOnlyContextOwners) {
  // Two nested blocks; only the method owns a context, so the innermost reads level 0.
  Method* m = compileOne("TcLevels", "m = ( | x | x := 1. ^ [ [ x ] ] )", "m");
  auto outer = blocksOf(m);
  ASSERT_EQ(outer.size(), 1u);
  auto inner = blocksOf(outer[0]);
  ASSERT_EQ(inner.size(), 1u);
  ASSERT_EQ(opcodeNames(inner[0]), (std::vector<std::string>{"PUSH_CTX", "RETURN_LOCAL"}));
  EXPECT_EQ(inner[0]->code[2], 0);
  // A block that owns a context itself adds one level for reads of the method's variables.
  Method* m2 = compileOne("TcLevels2", "m = ( | x | x := 1. ^ [ | y | y := 2. [ x + y ] ] )", "m");
  auto o2 = blocksOf(m2);
  ASSERT_EQ(o2.size(), 1u);
  EXPECT_TRUE(o2[0]->flags & kOwnsContext);
  auto i2 = blocksOf(o2[0]);
  ASSERT_EQ(i2.size(), 1u);
  auto insns = disassemble(i2[0]);
  ASSERT_GE(insns.size(), 2u);
  ASSERT_EQ(insns[0].name, "PUSH_CTX");
  ASSERT_EQ(insns[1].name, "PUSH_CTX");
  EXPECT_EQ(i2[0]->code[insns[0].offset + 2], 1) << "x is one context up";
  EXPECT_EQ(i2[0]->code[insns[1].offset + 2], 0) << "y is in the nearest context";
}

// --- non-local return ---------------------------------------------------------------------------

TEST_F(Compiler, BlockWithReturnMarksTheMethod) {
  Method* m = compileOne("TcNlr", "m: c = ( c do: [ :e | ^ e ]. ^ nil )", "m:");
  EXPECT_TRUE(m->flags & kHasNonLocalReturn) << listing(m);
  EXPECT_TRUE(m->flags & kOwnsContext) << "the home context is the return target";
  auto blocks = blocksOf(m);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_TRUE(hasOp(blocks[0], "RETURN_NONLOCAL")) << listing(blocks[0]);
  // Blocks themselves do not carry the method flag.
  EXPECT_FALSE(blocks[0]->flags & kHasNonLocalReturn);
}

TEST_F(Compiler, NestedBlockWithReturnMarksTheMethod) {
  Method* m = compileOne("TcNlr2", "m: c = ( c do: [ :e | e do: [ :f | ^ f ] ]. ^ nil )", "m:");
  EXPECT_TRUE(m->flags & kHasNonLocalReturn);
}

TEST_F(Compiler, BlockWithoutReturnDoesNotMarkTheMethod) {
  Method* m = compileOne("TcNoNlr", "m: c = ( c do: [ :e | e ]. ^ nil )", "m:");
  EXPECT_FALSE(m->flags & kHasNonLocalReturn);
  EXPECT_FALSE(m->flags & kOwnsContext);
}

// --- primitives ----------------------------------------------------------------------------------

TEST_F(Compiler, PrimitiveDeclarationMakesAPrimitiveMethod) {
  Class* c = defineClass("TcPrim = ( foo = primitive )");
  Method* m = methodOf(c, "foo");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->isPrimitive());
  EXPECT_EQ(m->cls, U.primitiveClass);
  EXPECT_EQ(m->codeLength, 0u);
}

// --- the compiled code runs -------------------------------------------------------------------

TEST_F(Compiler, InlinedControlFlowComputesLibraryResults) {
  Class* c = defineClass(
      "TcRun = (\n"
      "  sum = ( | s | s := 0. 1 to: 10 do: [ :i | s := s + i ]. ^ s )\n"
      "  down = ( | s | s := 0. 10 downTo: 1 do: [ :i | s := s * 2 + i ]. ^ s )\n"
      "  by = ( | s | s := 0. 1 to: 10 by: 3 do: [ :i | s := s + i ]. ^ s )\n"
      "  toDoValue = ( ^ 3 to: 1 do: [ :i | i ] )\n"
      "  while = ( | i n | i := 0. n := 0. [ i < 5 ] whileTrue: [ i := i + 1. n := n + i ]. ^ n )\n"
      "  pick: x = ( ^ x ifTrue: [ #yes ] ifFalse: [ #no ] )\n"
      "  ifTrueValue: x = ( ^ x ifTrue: [ 7 ] )\n"
      "  early: x = ( x ifTrue: [ ^ 1 ]. ^ 2 )\n"
      "  nilOr: x = ( ^ x ifNil: [ 42 ] )\n"
      "  andOr: x = ( ^ (x > 1 and: [ x < 5 ]) or: [ x = 10 ] )\n"
      "  freshLocals = ( | r | r := Array new: 3. 1 to: 3 do: [ :i | | t | r at: i put: t. t := i ]. ^ r )\n"
      "  freshWhile = ( | r i | r := Array new: 3. i := 0.\n"
      "    [ i < 3 ] whileTrue: [ | t | i := i + 1. r at: i put: t. t := i ]. ^ r )\n"
      ")");
  ASSERT_NE(c, nullptr);
  Value obj = newInstanceOf(c);
  auto intOf = [](Value v) { return v.isSmallInt() ? v.asSmallInt() : int64_t(-999999); };
  EXPECT_EQ(intOf(sendMessage(obj, "sum")), 55);
  // s := s*2 + i for i = 10..1
  int64_t expectDown = 0;
  for (int i = 10; i >= 1; i--) expectDown = expectDown * 2 + i;
  EXPECT_EQ(intOf(sendMessage(obj, "down")), expectDown);
  EXPECT_EQ(intOf(sendMessage(obj, "by")), 1 + 4 + 7 + 10);
  EXPECT_EQ(intOf(sendMessage(obj, "toDoValue")), 3) << "to:do: answers its receiver";
  EXPECT_EQ(intOf(sendMessage(obj, "while")), 15);
  EXPECT_EQ(sendMessage(obj, "pick:", {U.trueObject}), Value::fromObject(intern("yes")));
  EXPECT_EQ(sendMessage(obj, "pick:", {U.falseObject}), Value::fromObject(intern("no")));
  EXPECT_EQ(intOf(sendMessage(obj, "ifTrueValue:", {U.trueObject})), 7);
  EXPECT_EQ(sendMessage(obj, "ifTrueValue:", {U.falseObject}), U.nil);
  EXPECT_EQ(intOf(sendMessage(obj, "early:", {U.trueObject})), 1);
  EXPECT_EQ(intOf(sendMessage(obj, "early:", {U.falseObject})), 2);
  EXPECT_EQ(intOf(sendMessage(obj, "nilOr:", {U.nil})), 42);
  EXPECT_EQ(intOf(sendMessage(obj, "nilOr:", {Value::fromSmallInt(5)})), 5);
  EXPECT_EQ(sendMessage(obj, "andOr:", {Value::fromSmallInt(3)}), U.trueObject);
  EXPECT_EQ(sendMessage(obj, "andOr:", {Value::fromSmallInt(7)}), U.falseObject);
  EXPECT_EQ(sendMessage(obj, "andOr:", {Value::fromSmallInt(10)}), U.trueObject);
  // Each iteration of an inlined loop body starts with nil locals.
  for (const char* sel : {"freshLocals", "freshWhile"}) {
    Value r = sendMessage(obj, sel);
    ASSERT_TRUE(isKind(r, Kind::Array)) << sel;
    ASSERT_EQ(asArray(r)->length, 3u);
    for (int i = 0; i < 3; i++) EXPECT_EQ(asArray(r)->elements[i], U.nil) << sel << " iteration " << i + 1;
  }
}

TEST_F(Compiler, CapturedLoopVariableIsFreshPerIteration) {
  Class* c = defineClass(
      "TcRunCap = ( m = ( | blocks | blocks := Array new: 3. "
      "1 to: 3 do: [ :i | blocks at: i put: [ i ] ]. ^ blocks ) )");
  ASSERT_NE(c, nullptr);
  Value blocks = sendMessage(newInstanceOf(c), "m");
  ASSERT_TRUE(isKind(blocks, Kind::Array));
  ASSERT_EQ(asArray(blocks)->length, 3u);
  for (int i = 0; i < 3; i++) {
    Value b = asArray(blocks)->elements[i];
    ASSERT_TRUE(isKind(b, Kind::Block)) << i;
    Value v = sendMessage(b, "value");
    ASSERT_TRUE(v.isSmallInt());
    EXPECT_EQ(v.asSmallInt(), i + 1);
  }
}

TEST_F(Compiler, NestedAndUninlinedLoopsRun) {
  Class* c = defineClass(
      "TcRunNest = (\n"
      "  nested = ( | s | s := 0. 1 to: 3 do: [ :i | 1 to: i do: [ :j | s := s + j ] ]. ^ s )\n"
      "  nlrThroughUninlined = (\n"
      "    1 to: 3 do: [ :i | #(1) do: [ :e | i = 2 ifTrue: [ ^ i * 100 ] ]. [ i ] ].\n"
      "    ^ 0 )\n"
      "  whileFresh = ( | i blocks | i := 0. blocks := Array new: 3.\n"
      "    [ i < 3 ] whileTrue: [ | t | t := i. i := i + 1. blocks at: i put: [ t ] ].\n"
      "    ^ blocks )\n"
      ")");
  ASSERT_NE(c, nullptr);
  Method* w = methodOf(c, "whileFresh");
  EXPECT_EQ(countSendsOf(w, "whileTrue:"), 1) << "t is captured: the loop must not be inlined\n" << listing(w);
  Value obj = newInstanceOf(c);
  EXPECT_EQ(sendMessage(obj, "nested"), Value::fromSmallInt(10));
  EXPECT_EQ(sendMessage(obj, "nlrThroughUninlined"), Value::fromSmallInt(200));
  Value blocks = sendMessage(obj, "whileFresh");
  ASSERT_TRUE(isKind(blocks, Kind::Array));
  for (int i = 0; i < 3; i++)
    EXPECT_EQ(sendMessage(asArray(blocks)->elements[i], "value"), Value::fromSmallInt(i)) << i;
}

TEST_F(Compiler, NonLocalReturnFromBlockRuns) {
  Class* c = defineClass(
      "TcRunNlr = ( find: x in: arr = ( arr do: [ :e | e = x ifTrue: [ ^ #found ] ]. ^ #missing ) )");
  ASSERT_NE(c, nullptr);
  Value obj = newInstanceOf(c);
  Array* arr = newArray(3);
  for (int i = 0; i < 3; i++) arr->elements[i] = Value::fromSmallInt(i * 10);
  Value a = Value::fromObject(arr);
  EXPECT_EQ(sendMessage(obj, "find:in:", {Value::fromSmallInt(20), a}), Value::fromObject(intern("found")));
  EXPECT_EQ(sendMessage(obj, "find:in:", {Value::fromSmallInt(5), a}), Value::fromObject(intern("missing")));
}

TEST_F(Compiler, AddOverflowFallsBackToLargeIntegers) {
  Class* c = defineClass("TcRunOvf = ( inc: x = ( ^ x + 1 ) mul: x = ( ^ x * x ) )");
  ASSERT_NE(c, nullptr);
  Value obj = newInstanceOf(c);
  Value r = sendMessage(obj, "inc:", {Value::fromSmallInt(kSmallIntMax)});
  ASSERT_TRUE(isLargeInt(r));
  EXPECT_EQ(integerToString(r), "1152921504606846976");
  Value sq = sendMessage(obj, "mul:", {Value::fromSmallInt(int64_t(1) << 40)});
  ASSERT_TRUE(isLargeInt(sq));
  EXPECT_EQ(integerToString(sq), "1208925819614629174706176");
}
