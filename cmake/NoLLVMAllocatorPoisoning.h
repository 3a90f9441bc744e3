/* cmake/NoLLVMAllocatorPoisoning.h - force-included into every C++ file of
 * the AddressSanitizer build (CMakeLists.txt, NNC_SANITIZE).
 *
 * LLVM's allocators (BumpPtrAllocator, Recycler, ArrayRecycler) poison their
 * free slab memory and unpoison each allocation through
 * __asan_(un)poison_memory_region, but only in files compiled with
 * AddressSanitizer. Debian's LLVM and MLIR libraries are not: their inlined
 * copies of Allocate never unpoison, while the linker keeps nnc's
 * instrumented copy of the out-of-line StartNewSlab, which poisons. MLIR then
 * reads memory it allocated from a poisoned slab: a false use-after-poison in
 * mlir::Dialect::addType when the first MLIRContext starts. The two calls are
 * compiled out of nnc's C++ code, as they are in the libraries it links;
 * nnc's own poisoning (lib/ModelRT/HostAlloc.c, C) is not affected.
 */
#include <sanitizer/asan_interface.h>
#define __asan_poison_memory_region(addr, size) ((void)(addr), (void)(size))
#define __asan_unpoison_memory_region(addr, size) ((void)(addr), (void)(size))
