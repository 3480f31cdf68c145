// Tier-2 code generation: x86-64 for a recorded trace, through the shared backend
// (jit/backend: code cache, perf map, disassembly, the Double encoding).
//
// This first backend keeps every IR value in its own word of a spill area (one per
// instruction) and computes each instruction in scratch registers; a register allocator
// over the trace is the next step. The trace calls nothing and allocates nothing, so no
// collection can run while it does: values in the spill area need no stack map.
//
// Signature: uint32_t trace(Value* slots, Frame* frame, uint64_t* spill). It runs
// iterations until a guard fails and answers that guard's snapshot index.
#include "jit/tier2/backend.h"

#include <asmjit/x86.h>

#include <cstdio>

#include "jit/backend/code_cache.h"
#include "jit/backend/disasm.h"
#include "jit/backend/double_encoding.h"

namespace som::tier2 {

using namespace asmjit;
using namespace asmjit::x86;

namespace {

const Gp kSlots = rdi;
const Gp kFrame = rsi;
const Gp kSpill = rdx;

Mem at(IrRef r) { return qword_ptr(kSpill, int32_t(8 * r)); }

}  // namespace

CompiledTrace compileTrace(const Trace& trace, const std::string& name, bool log) {
  CodeHolder code;
  code.init(jit::CodeCache::instance().environment());
  Assembler a(&code);
  const auto& ins = trace.instructions();
  std::vector<Label> exits(trace.snapshots().size());
  for (auto& l : exits) l = a.newLabel();
  Label start = a.newLabel();
  a.bind(start);
  for (IrRef n = 0; n < ins.size(); n++) {
    const IrIns& i = ins[n];
    Label exit = i.snapshot >= 0 ? exits[size_t(i.snapshot)] : Label();
    switch (i.op) {
      case IrOp::KWORD:
        a.mov(rax, uint64_t(i.imm));
        a.mov(at(n), rax);
        break;
      case IrOp::SLOAD:
        a.mov(rax, qword_ptr(kSlots, int32_t(8 * i.imm)));
        a.mov(at(n), rax);
        break;
      case IrOp::FRAME:
        a.mov(at(n), kFrame);
        break;
      case IrOp::BAND:
      case IrOp::BOR:
      case IrOp::ADD:
      case IrOp::SUB:
        a.mov(rax, at(i.a));
        if (i.op == IrOp::BAND) a.and_(rax, at(i.b));
        else if (i.op == IrOp::BOR) a.or_(rax, at(i.b));
        else if (i.op == IrOp::ADD) a.add(rax, at(i.b));
        else a.sub(rax, at(i.b));
        a.mov(at(n), rax);
        break;
      case IrOp::SAR:
        a.mov(rax, at(i.a));
        a.sar(rax, int(i.imm));
        a.mov(at(n), rax);
        break;
      case IrOp::ADDOV:
      case IrOp::SUBOV:
      case IrOp::MULOV:
        a.mov(rax, at(i.a));
        if (i.op == IrOp::ADDOV) a.add(rax, at(i.b));
        else if (i.op == IrOp::SUBOV) a.sub(rax, at(i.b));
        else a.imul(rax, at(i.b));
        a.jo(exit);
        a.mov(at(n), rax);
        break;
      case IrOp::EQ:
      case IrOp::LT:
      case IrOp::LE:
      case IrOp::ULT:
        a.mov(rax, at(i.a));
        a.cmp(rax, at(i.b));
        if (i.op == IrOp::EQ) a.sete(al);
        else if (i.op == IrOp::LT) a.setl(al);
        else if (i.op == IrOp::LE) a.setle(al);
        else a.setb(al);
        a.movzx(eax, al);
        a.mov(at(n), rax);
        break;
      case IrOp::SELECT:
        a.mov(rax, at(i.c));
        a.cmp(at(i.a), 0);
        a.cmovne(rax, at(i.b));
        a.mov(at(n), rax);
        break;
      case IrOp::LOAD:
        a.mov(rax, at(i.a));
        a.mov(rax, qword_ptr(rax, int32_t(i.imm)));
        a.mov(at(n), rax);
        break;
      case IrOp::LOADB:
        a.mov(rax, at(i.a));
        a.movzx(eax, byte_ptr(rax, int32_t(i.imm)));
        a.mov(at(n), rax);
        break;
      case IrOp::LOADX:
        a.mov(rax, at(i.a));
        a.mov(rcx, at(i.b));
        a.mov(rax, qword_ptr(rax, rcx, 3, int32_t(i.imm)));
        a.mov(at(n), rax);
        break;
      case IrOp::STORE:
        a.mov(rax, at(i.a));
        a.mov(rcx, at(i.b));
        a.mov(qword_ptr(rax, int32_t(i.imm)), rcx);
        break;
      case IrOp::STOREX:
        a.mov(rax, at(i.a));
        a.mov(rcx, at(i.b));
        a.mov(r8, at(i.c));
        a.mov(qword_ptr(rax, rcx, 3, int32_t(i.imm)), r8);
        break;
      case IrOp::GUARDT:
      case IrOp::GUARDF:
        a.cmp(at(i.a), 0);
        if (i.op == IrOp::GUARDT) a.je(exit);
        else a.jne(exit);
        break;
      case IrOp::UNBOXD:
        a.mov(rcx, at(i.a));
        jit::emitUnboxDouble(a, rax, rcx, r8);
        a.mov(at(n), rax);
        break;
      case IrOp::BOXD:
        a.mov(rax, at(i.a));
        jit::emitBoxDouble(a, rax, rcx, exit);
        a.mov(at(n), rax);
        break;
      case IrOp::FADD:
      case IrOp::FSUB:
      case IrOp::FMUL:
        a.movq(xmm0, at(i.a));
        a.movq(xmm1, at(i.b));
        if (i.op == IrOp::FADD) a.addsd(xmm0, xmm1);
        else if (i.op == IrOp::FSUB) a.subsd(xmm0, xmm1);
        else a.mulsd(xmm0, xmm1);
        a.movq(at(n), xmm0);
        break;
      case IrOp::FLT:
      case IrOp::FLE:
      case IrOp::FEQ:
        // ucomisd reports unordered like "less" plus PF: a < b is tested as b above a.
        a.movq(xmm0, at(i.a));
        a.movq(xmm1, at(i.b));
        if (i.op == IrOp::FEQ) {
          a.ucomisd(xmm0, xmm1);
          a.sete(al);
          a.setnp(cl);
          a.and_(al, cl);
        } else {
          a.ucomisd(xmm1, xmm0);
          if (i.op == IrOp::FLT) a.seta(al);
          else a.setae(al);
        }
        a.movzx(eax, al);
        a.mov(at(n), rax);
        break;
      case IrOp::SSTORE:
        a.mov(rax, at(i.a));
        a.mov(qword_ptr(kSlots, int32_t(8 * i.imm)), rax);
        break;
      case IrOp::LOOP:
        a.jmp(start);
        break;
    }
  }
  for (size_t s = 0; s < exits.size(); s++) {
    a.bind(exits[s]);
    a.mov(eax, uint32_t(s));
    a.ret();
  }
  CompiledTrace result;
  result.entry = reinterpret_cast<TraceFn>(jit::CodeCache::instance().add(code, name));
  result.codeBytes = code.codeSize();
  if (result.entry && log)
    result.disassembly = jit::disassemble(reinterpret_cast<const uint8_t*>(result.entry), code.codeSize(), nullptr, nullptr);
  return result;
}

}  // namespace som::tier2
