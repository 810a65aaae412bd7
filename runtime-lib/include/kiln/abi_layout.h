/*
 * kiln ABI layout, pinned: every size and field offset of the structs in kiln/abi.h that
 * generated code or artifacts depend on, written out as numbers, plus the vmctx offsets
 * and builtin slots the compiler uses by name. Included at the end of abi.h, so every
 * file that sees the ABI checks it: moving, resizing or swapping a field fails the build
 * until the new layout is written here too (and then KILN_ABI_MAJOR/MINOR must change).
 *
 * Regenerate the numbers only for a deliberate ABI change.
 */
#ifndef KILN_ABI_LAYOUT_H
#define KILN_ABI_LAYOUT_H

#ifdef __cplusplus
#define KILN_ABI_ASSERT(cond, what) static_assert(cond, what)
#else
#define KILN_ABI_ASSERT(cond, what) _Static_assert(cond, what)
#endif
#define KILN_ABI_SIZE(type, size) \
  KILN_ABI_ASSERT(sizeof(type) == (size), "kiln ABI: size of " #type " changed")
#define KILN_ABI_OFFSET(type, field, offset) \
  KILN_ABI_ASSERT(offsetof(type, field) == (offset), "kiln ABI: " #type "." #field " moved")

KILN_ABI_SIZE(kiln_val, 16);
KILN_ABI_SIZE(kiln_funcref, 24);
KILN_ABI_OFFSET(kiln_funcref, code, 0);
KILN_ABI_OFFSET(kiln_funcref, vmctx, 8);
KILN_ABI_OFFSET(kiln_funcref, type_id, 16);
KILN_ABI_OFFSET(kiln_funcref, reserved, 20);

KILN_ABI_SIZE(kiln_memory, 32);
KILN_ABI_OFFSET(kiln_memory, base, 0);
KILN_ABI_OFFSET(kiln_memory, length, 8);
KILN_ABI_OFFSET(kiln_memory, max_pages, 16);
KILN_ABI_OFFSET(kiln_memory, reserved_bytes, 24);

KILN_ABI_SIZE(kiln_table, 32);
KILN_ABI_OFFSET(kiln_table, elems, 0);
KILN_ABI_OFFSET(kiln_table, size, 8);
KILN_ABI_OFFSET(kiln_table, max, 16);
KILN_ABI_OFFSET(kiln_table, elem_type, 24);
KILN_ABI_OFFSET(kiln_table, reserved, 28);

KILN_ABI_SIZE(kiln_global, 16);
KILN_ABI_OFFSET(kiln_global, value, 0);

KILN_ABI_SIZE(kiln_tag, 8);
KILN_ABI_OFFSET(kiln_tag, type_id, 0);
KILN_ABI_OFFSET(kiln_tag, num_params, 4);

KILN_ABI_SIZE(kiln_exception, 32);
KILN_ABI_OFFSET(kiln_exception, tag, 0);
KILN_ABI_OFFSET(kiln_exception, num_values, 8);
KILN_ABI_OFFSET(kiln_exception, flags, 12);
KILN_ABI_OFFSET(kiln_exception, owner, 16);
KILN_ABI_OFFSET(kiln_exception, reserved, 24);
KILN_ABI_OFFSET(kiln_exception, values, 32);

KILN_ABI_SIZE(kiln_handler, 288);
KILN_ABI_OFFSET(kiln_handler, prev, 0);
KILN_ABI_OFFSET(kiln_handler, exn, 8);
KILN_ABI_OFFSET(kiln_handler, reserved, 16);
KILN_ABI_OFFSET(kiln_handler, jmpbuf, 32);

KILN_ABI_SIZE(kiln_builtins, 256);
KILN_ABI_OFFSET(kiln_builtins, trap, 0);
KILN_ABI_OFFSET(kiln_builtins, memory_grow, 8);
KILN_ABI_OFFSET(kiln_builtins, memory_fill, 16);
KILN_ABI_OFFSET(kiln_builtins, memory_copy, 24);
KILN_ABI_OFFSET(kiln_builtins, memory_init, 32);
KILN_ABI_OFFSET(kiln_builtins, data_drop, 40);
KILN_ABI_OFFSET(kiln_builtins, table_grow, 48);
KILN_ABI_OFFSET(kiln_builtins, table_fill, 56);
KILN_ABI_OFFSET(kiln_builtins, table_copy, 64);
KILN_ABI_OFFSET(kiln_builtins, table_init, 72);
KILN_ABI_OFFSET(kiln_builtins, elem_drop, 80);
KILN_ABI_OFFSET(kiln_builtins, exn_throw, 88);
KILN_ABI_OFFSET(kiln_builtins, exn_throw_ref, 96);
KILN_ABI_OFFSET(kiln_builtins, try_enter, 104);
KILN_ABI_OFFSET(kiln_builtins, try_leave, 112);
KILN_ABI_OFFSET(kiln_builtins, setjmp, 120);
KILN_ABI_OFFSET(kiln_builtins, exn_release, 128);
KILN_ABI_OFFSET(kiln_builtins, memmove, 136);
KILN_ABI_OFFSET(kiln_builtins, memset, 144);
KILN_ABI_OFFSET(kiln_builtins, reserved, 152);

KILN_ABI_SIZE(kiln_vmctx_header, 64);
KILN_ABI_OFFSET(kiln_vmctx_header, builtins, 0);
KILN_ABI_OFFSET(kiln_vmctx_header, thread_state, 8);
KILN_ABI_OFFSET(kiln_vmctx_header, instance, 16);
KILN_ABI_OFFSET(kiln_vmctx_header, reserved1, 24);
KILN_ABI_OFFSET(kiln_vmctx_header, memory0_base, 48);
KILN_ABI_OFFSET(kiln_vmctx_header, reserved, 56);

KILN_ABI_SIZE(kiln_thread_state, 64);
KILN_ABI_OFFSET(kiln_thread_state, stack_limit, 0);
KILN_ABI_OFFSET(kiln_thread_state, fuel, 8);
KILN_ABI_OFFSET(kiln_thread_state, epoch, 16);
KILN_ABI_OFFSET(kiln_thread_state, epoch_deadline, 24);
KILN_ABI_OFFSET(kiln_thread_state, store, 32);
KILN_ABI_OFFSET(kiln_thread_state, reserved, 40);

KILN_ABI_SIZE(kiln_vmctx_layout, 28);
KILN_ABI_OFFSET(kiln_vmctx_layout, memories, 0);
KILN_ABI_OFFSET(kiln_vmctx_layout, tables, 4);
KILN_ABI_OFFSET(kiln_vmctx_layout, globals, 8);
KILN_ABI_OFFSET(kiln_vmctx_layout, funcs, 12);
KILN_ABI_OFFSET(kiln_vmctx_layout, type_ids, 16);
KILN_ABI_OFFSET(kiln_vmctx_layout, tags, 20);
KILN_ABI_OFFSET(kiln_vmctx_layout, size, 24);

KILN_ABI_SIZE(kiln_limits_desc, 24);
KILN_ABI_OFFSET(kiln_limits_desc, min, 0);
KILN_ABI_OFFSET(kiln_limits_desc, max, 8);
KILN_ABI_OFFSET(kiln_limits_desc, has_max, 16);
KILN_ABI_OFFSET(kiln_limits_desc, is64, 17);
KILN_ABI_OFFSET(kiln_limits_desc, shared, 18);
KILN_ABI_OFFSET(kiln_limits_desc, reserved, 19);

KILN_ABI_SIZE(kiln_type_desc, 48);
KILN_ABI_OFFSET(kiln_type_desc, num_params, 0);
KILN_ABI_OFFSET(kiln_type_desc, num_results, 4);
KILN_ABI_OFFSET(kiln_type_desc, types, 8);
KILN_ABI_OFFSET(kiln_type_desc, array_to_native, 16);
KILN_ABI_OFFSET(kiln_type_desc, native_to_array, 24);
KILN_ABI_OFFSET(kiln_type_desc, refs, 32);
KILN_ABI_OFFSET(kiln_type_desc, rec_start, 40);
KILN_ABI_OFFSET(kiln_type_desc, rec_info, 44);

KILN_ABI_SIZE(kiln_import_desc, 32);
KILN_ABI_OFFSET(kiln_import_desc, module, 0);
KILN_ABI_OFFSET(kiln_import_desc, name, 8);
KILN_ABI_OFFSET(kiln_import_desc, module_len, 16);
KILN_ABI_OFFSET(kiln_import_desc, name_len, 20);
KILN_ABI_OFFSET(kiln_import_desc, kind, 24);
KILN_ABI_OFFSET(kiln_import_desc, index, 28);

KILN_ABI_SIZE(kiln_export_desc, 24);
KILN_ABI_OFFSET(kiln_export_desc, name, 0);
KILN_ABI_OFFSET(kiln_export_desc, name_len, 8);
KILN_ABI_OFFSET(kiln_export_desc, kind, 12);
KILN_ABI_OFFSET(kiln_export_desc, index, 16);
KILN_ABI_OFFSET(kiln_export_desc, reserved, 20);

KILN_ABI_SIZE(kiln_func_desc, 24);
KILN_ABI_OFFSET(kiln_func_desc, code, 0);
KILN_ABI_OFFSET(kiln_func_desc, name, 8);
KILN_ABI_OFFSET(kiln_func_desc, name_len, 16);
KILN_ABI_OFFSET(kiln_func_desc, type_index, 20);

KILN_ABI_SIZE(kiln_table_desc, 48);
KILN_ABI_OFFSET(kiln_table_desc, limits, 0);
KILN_ABI_OFFSET(kiln_table_desc, elem_type, 24);
KILN_ABI_OFFSET(kiln_table_desc, init_len, 28);
KILN_ABI_OFFSET(kiln_table_desc, init, 32);
KILN_ABI_OFFSET(kiln_table_desc, elem_ref, 40);
KILN_ABI_OFFSET(kiln_table_desc, reserved, 44);

KILN_ABI_SIZE(kiln_memory_desc, 32);
KILN_ABI_OFFSET(kiln_memory_desc, limits, 0);
KILN_ABI_OFFSET(kiln_memory_desc, bounds_strategy, 24);
KILN_ABI_OFFSET(kiln_memory_desc, page_size_log2, 28);

KILN_ABI_SIZE(kiln_global_desc, 24);
KILN_ABI_OFFSET(kiln_global_desc, type, 0);
KILN_ABI_OFFSET(kiln_global_desc, mut, 4);
KILN_ABI_OFFSET(kiln_global_desc, init_len, 8);
KILN_ABI_OFFSET(kiln_global_desc, ref, 12);
KILN_ABI_OFFSET(kiln_global_desc, init, 16);

KILN_ABI_SIZE(kiln_elem_desc, 40);
KILN_ABI_OFFSET(kiln_elem_desc, mode, 0);
KILN_ABI_OFFSET(kiln_elem_desc, table, 4);
KILN_ABI_OFFSET(kiln_elem_desc, elem_type, 8);
KILN_ABI_OFFSET(kiln_elem_desc, count, 12);
KILN_ABI_OFFSET(kiln_elem_desc, offset_len, 16);
KILN_ABI_OFFSET(kiln_elem_desc, items_len, 20);
KILN_ABI_OFFSET(kiln_elem_desc, offset, 24);
KILN_ABI_OFFSET(kiln_elem_desc, items, 32);

KILN_ABI_SIZE(kiln_data_desc, 40);
KILN_ABI_OFFSET(kiln_data_desc, mode, 0);
KILN_ABI_OFFSET(kiln_data_desc, memory, 4);
KILN_ABI_OFFSET(kiln_data_desc, offset_len, 8);
KILN_ABI_OFFSET(kiln_data_desc, reserved, 12);
KILN_ABI_OFFSET(kiln_data_desc, offset, 16);
KILN_ABI_OFFSET(kiln_data_desc, bytes, 24);
KILN_ABI_OFFSET(kiln_data_desc, size, 32);

KILN_ABI_SIZE(kiln_module_desc, 296);
KILN_ABI_OFFSET(kiln_module_desc, magic, 0);
KILN_ABI_OFFSET(kiln_module_desc, abi_major, 8);
KILN_ABI_OFFSET(kiln_module_desc, abi_minor, 12);
KILN_ABI_OFFSET(kiln_module_desc, desc_size, 16);
KILN_ABI_OFFSET(kiln_module_desc, opt_level, 20);
KILN_ABI_OFFSET(kiln_module_desc, compiler_version, 24);
KILN_ABI_OFFSET(kiln_module_desc, target_cpu, 32);
KILN_ABI_OFFSET(kiln_module_desc, target_features, 40);
KILN_ABI_OFFSET(kiln_module_desc, cpu_features, 48);
KILN_ABI_OFFSET(kiln_module_desc, module_sha256, 56);
KILN_ABI_OFFSET(kiln_module_desc, num_types, 88);
KILN_ABI_OFFSET(kiln_module_desc, num_imports, 92);
KILN_ABI_OFFSET(kiln_module_desc, num_funcs, 96);
KILN_ABI_OFFSET(kiln_module_desc, num_imported_funcs, 100);
KILN_ABI_OFFSET(kiln_module_desc, num_tables, 104);
KILN_ABI_OFFSET(kiln_module_desc, num_imported_tables, 108);
KILN_ABI_OFFSET(kiln_module_desc, num_memories, 112);
KILN_ABI_OFFSET(kiln_module_desc, num_imported_memories, 116);
KILN_ABI_OFFSET(kiln_module_desc, num_globals, 120);
KILN_ABI_OFFSET(kiln_module_desc, num_imported_globals, 124);
KILN_ABI_OFFSET(kiln_module_desc, num_exports, 128);
KILN_ABI_OFFSET(kiln_module_desc, num_elems, 132);
KILN_ABI_OFFSET(kiln_module_desc, num_datas, 136);
KILN_ABI_OFFSET(kiln_module_desc, start_func, 140);
KILN_ABI_OFFSET(kiln_module_desc, vmctx_size, 144);
KILN_ABI_OFFSET(kiln_module_desc, num_tags, 148);
KILN_ABI_OFFSET(kiln_module_desc, types, 152);
KILN_ABI_OFFSET(kiln_module_desc, imports, 160);
KILN_ABI_OFFSET(kiln_module_desc, funcs, 168);
KILN_ABI_OFFSET(kiln_module_desc, tables, 176);
KILN_ABI_OFFSET(kiln_module_desc, memories, 184);
KILN_ABI_OFFSET(kiln_module_desc, globals, 192);
KILN_ABI_OFFSET(kiln_module_desc, exports, 200);
KILN_ABI_OFFSET(kiln_module_desc, elems, 208);
KILN_ABI_OFFSET(kiln_module_desc, datas, 216);
KILN_ABI_OFFSET(kiln_module_desc, module_name, 224);
KILN_ABI_OFFSET(kiln_module_desc, tag_types, 232);
KILN_ABI_OFFSET(kiln_module_desc, num_imported_tags, 240);
KILN_ABI_OFFSET(kiln_module_desc, flags, 244);
KILN_ABI_OFFSET(kiln_module_desc, code_map, 248);
KILN_ABI_OFFSET(kiln_module_desc, reserved, 256);

KILN_ABI_SIZE(kiln_code_map, 56);
KILN_ABI_SIZE(kiln_code_map_func, 32);
KILN_ABI_SIZE(kiln_code_map_rule, 12);
KILN_ABI_SIZE(kiln_code_map_inlined, 12);

KILN_ABI_SIZE(kiln_host_func, 16);
KILN_ABI_OFFSET(kiln_host_func, callback, 0);
KILN_ABI_OFFSET(kiln_host_func, env, 8);

/* The vmctx header fields generated code reads by offset. */
KILN_ABI_OFFSET(kiln_vmctx_header, builtins, KILN_VMCTX_OFFSET_BUILTINS);
KILN_ABI_OFFSET(kiln_vmctx_header, thread_state, KILN_VMCTX_OFFSET_THREAD_STATE);
KILN_ABI_OFFSET(kiln_vmctx_header, instance, KILN_VMCTX_OFFSET_INSTANCE);
KILN_ABI_OFFSET(kiln_vmctx_header, memory0_base, KILN_VMCTX_OFFSET_MEMORY0_BASE);
KILN_ABI_OFFSET(kiln_thread_state, stack_limit, KILN_THREAD_OFFSET_STACK_LIMIT);
KILN_ABI_OFFSET(kiln_thread_state, fuel, KILN_THREAD_OFFSET_FUEL);
KILN_ABI_OFFSET(kiln_thread_state, epoch, KILN_THREAD_OFFSET_EPOCH);
KILN_ABI_OFFSET(kiln_thread_state, epoch_deadline, KILN_THREAD_OFFSET_EPOCH_DEADLINE);

/* Builtin slots: generated code calls slot N at offset N * sizeof(void*). */
KILN_ABI_OFFSET(kiln_builtins, trap, KILN_BUILTIN_TRAP * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, memory_grow, KILN_BUILTIN_MEMORY_GROW * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, memory_fill, KILN_BUILTIN_MEMORY_FILL * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, memory_copy, KILN_BUILTIN_MEMORY_COPY * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, memory_init, KILN_BUILTIN_MEMORY_INIT * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, data_drop, KILN_BUILTIN_DATA_DROP * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, table_grow, KILN_BUILTIN_TABLE_GROW * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, table_fill, KILN_BUILTIN_TABLE_FILL * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, table_copy, KILN_BUILTIN_TABLE_COPY * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, table_init, KILN_BUILTIN_TABLE_INIT * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, elem_drop, KILN_BUILTIN_ELEM_DROP * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, exn_throw, KILN_BUILTIN_EXN_THROW * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, exn_throw_ref, KILN_BUILTIN_EXN_THROW_REF * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, try_enter, KILN_BUILTIN_TRY_ENTER * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, try_leave, KILN_BUILTIN_TRY_LEAVE * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, setjmp, KILN_BUILTIN_SETJMP * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, exn_release, KILN_BUILTIN_EXN_RELEASE * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, memmove, KILN_BUILTIN_MEMMOVE * sizeof(void*));
KILN_ABI_OFFSET(kiln_builtins, memset, KILN_BUILTIN_MEMSET * sizeof(void*));

#undef KILN_ABI_OFFSET
#undef KILN_ABI_SIZE
#undef KILN_ABI_ASSERT

#endif /* KILN_ABI_LAYOUT_H */
