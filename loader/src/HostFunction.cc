#include "kiln/HostFunction.h"

namespace kiln {

std::shared_ptr<HostFunction> HostFunction::Create(FuncType type, HostCallback callback,
                                                   std::string debug_name) {
  std::shared_ptr<HostFunction> f(new HostFunction);
  f->type_id_ = TypeRegistry::Intern(type);
  f->type_ = std::move(type);
  f->callback_ = std::move(callback);
  f->debug_name_ = std::move(debug_name);
  return f;
}

std::shared_ptr<HostFunction> HostFunction::CreateDirect(FuncType type,
                                                         DirectHostCallback callback,
                                                         std::shared_ptr<const void> data,
                                                         std::string debug_name) {
  std::shared_ptr<HostFunction> f(new HostFunction);
  f->type_id_ = TypeRegistry::Intern(type);
  f->type_ = std::move(type);
  f->direct_ = callback;
  f->direct_data_ = std::move(data);
  f->debug_name_ = std::move(debug_name);
  return f;
}

}  // namespace kiln
