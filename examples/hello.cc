// hello in C++ (kiln.hh): compile, instantiate, call; a call with the wrong argument types
// comes back as an error.
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include <kiln.hh>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(in)), {});
  kiln::Engine engine;
  kiln::Store store(engine);
  auto module = kiln::Module::Compile(store, wasm);
  if (!module) {
    std::cerr << "compile: " << module.error() << "\n";
    return 1;
  }
  auto instance = kiln::Instance::Create(store, *module, {});
  if (!instance) {
    std::cerr << "instantiate: " << instance.error() << "\n";
    return 1;
  }
  kiln::Func answer = instance->GetFunc("answer");
  auto r = answer.Call({});
  std::cout << "answer() = " << (r ? (*r)[0].i32() : -1) << "\n";
  auto wrong = answer.Call({kiln::Val::F64(1.0)});
  std::cout << "answer(1.0): " << (wrong ? "ran" : "refused") << "\n";
  return 0;
}
