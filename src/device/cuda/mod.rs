//! CUDA backend (feature `cuda`), through cudarc with the CUDA libraries loaded at run time.
//!
//! cudarc panics on the first call into a library it cannot `dlopen`, so every entry point runs
//! [`preflight`] first and turns absence into [`Error::GpuUnavailable`]. One context, one stream
//! and one cuBLAS handle per process ([`Context::get`]). A [`Gpu`] is that context with a list
//! of kernel sources: the sources are compiled once per process with NVRTC for the device's
//! architecture ([`compile`]) and their functions cached by name ([`Gpu::function`]). Nothing
//! here knows what a kernel computes; the jobs that launch them live in their domains
//! ([`super::KernelJob::run_cuda`]) and use the buffer and launch helpers of [`Gpu`] and
//! [`launch`].

mod blas;
pub mod launch;

use super::{KernelSource, NVRTC_OPTIONS, kernel_names, program};
use crate::error::{Error, Result};
use cudarc::cublas::CudaBlas;
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DeviceRepr, ValidAsZeroBits,
};
use cudarc::nvrtc::{CompileOptions, Ptx, compile_ptx_with_opts};
use launch::error;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// A CUDA library and whether it could be loaded.
#[derive(Debug, Clone)]
pub struct Library {
    /// cudarc's name for it.
    pub name: &'static str,
    /// Whether `dlopen` succeeded.
    pub found: bool,
    /// File names tried (on LD_LIBRARY_PATH and the default search path).
    pub tried: Vec<String>,
}

/// The three libraries veristat uses: the driver, cuBLAS and NVRTC.
pub fn libraries() -> Vec<Library> {
    // SAFETY: `is_culib_present` only attempts to dlopen the library and reports the outcome.
    let present = unsafe {
        [
            cudarc::driver::sys::is_culib_present(),
            cudarc::cublas::sys::is_culib_present(),
            cudarc::nvrtc::sys::is_culib_present(),
        ]
    };
    ["cuda", "cublas", "nvrtc"]
        .into_iter()
        .zip(present)
        .map(|(name, found)| Library {
            name,
            found,
            tried: cudarc::get_lib_name_candidates(name),
        })
        .collect()
}

/// `Ok` when every library loads; otherwise a one-line [`Error::GpuUnavailable`] naming what is
/// missing and the files tried.
pub fn preflight() -> Result<()> {
    let missing: Vec<String> = libraries()
        .into_iter()
        .filter(|l| !l.found)
        .map(|l| format!("{} (tried {})", l.name, l.tried.join(", ")))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::GpuUnavailable(format!(
            "cannot load {}; set LD_LIBRARY_PATH to the folders holding the NVIDIA driver and CUDA 13 libraries",
            missing.join("; ")
        )))
    }
}

/// The message of an error that is cached and re-raised as [`Error::GpuUnavailable`] (without
/// a second "no usable GPU" prefix).
fn unavailable_reason(e: Error) -> String {
    match e {
        Error::GpuUnavailable(m) => m,
        other => other.to_string(),
    }
}

/// Whether NVRTC alone can be loaded (compiling needs no driver and no GPU).
pub fn nvrtc_present() -> bool {
    // SAFETY: only attempts to dlopen libnvrtc and reports the outcome.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// Compile the [`program`] of `sources` to PTX for `arch` (e.g. `compute_90`), with
/// [`NVRTC_OPTIONS`]. Needs only libnvrtc; an absent library or a compile error (with NVRTC's
/// log) is an [`Error::GpuUnavailable`].
pub fn compile(sources: &[KernelSource], arch: &'static str) -> Result<Ptx> {
    if !nvrtc_present() {
        return Err(Error::GpuUnavailable(format!(
            "cannot load nvrtc (tried {})",
            cudarc::get_lib_name_candidates("nvrtc").join(", ")
        )));
    }
    let opts = CompileOptions {
        arch: Some(arch),
        options: NVRTC_OPTIONS.iter().map(|o| o.to_string()).collect(),
        name: Some("veristat_kernels.cu".into()),
        ..Default::default()
    };
    compile_ptx_with_opts(program(sources), opts).map_err(|e| error("NVRTC compile", e))
}

/// A compiled source list: its functions by name and how long compiling and loading took.
struct Module {
    functions: HashMap<&'static str, CudaFunction>,
    compile_s: f64,
}

/// The identity of a `'static` source list: its address and length (a list is immutable, so
/// the same address is the same sources; a copy elsewhere is only compiled once more).
type SourcesId = (usize, usize);

fn sources_id(sources: &'static [KernelSource]) -> SourcesId {
    (sources.as_ptr() as usize, sources.len())
}

/// The process's CUDA context, stream, cuBLAS handle and compiled modules.
pub struct Context {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    blas: Mutex<CudaBlas>,
    modules: Mutex<HashMap<SourcesId, std::result::Result<Arc<Module>, String>>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("device", &self.ctx.name().unwrap_or_default())
            .finish()
    }
}

static CONTEXT: OnceLock<std::result::Result<Context, String>> = OnceLock::new();

impl Context {
    /// The shared device 0, created on first use.
    pub fn get() -> Result<&'static Context> {
        CONTEXT
            .get_or_init(|| Self::create().map_err(unavailable_reason))
            .as_ref()
            .map_err(|e| Error::GpuUnavailable(e.clone()))
    }

    fn create() -> Result<Context> {
        preflight()?;
        let n = CudaContext::device_count().map_err(|e| error("counting devices", e))?;
        if n == 0 {
            return Err(Error::GpuUnavailable(
                "the driver loads but reports no CUDA device".into(),
            ));
        }
        let ctx = CudaContext::new(0).map_err(|e| error("creating a context on device 0", e))?;
        let stream = ctx.default_stream();
        let blas =
            CudaBlas::new(stream.clone()).map_err(|e| error("creating a cuBLAS handle", e))?;
        Ok(Context {
            ctx,
            stream,
            blas: Mutex::new(blas),
            modules: Mutex::new(HashMap::new()),
        })
    }

    /// Device name, memory in bytes and compute capability.
    pub fn describe(&self) -> Result<(String, usize, (i32, i32))> {
        Ok((
            self.ctx.name().map_err(|e| error("device name", e))?,
            self.ctx
                .total_mem()
                .map_err(|e| error("device memory", e))?,
            self.ctx
                .compute_capability()
                .map_err(|e| error("compute capability", e))?,
        ))
    }

    /// `name, sm_XY`.
    pub fn label(&self) -> Result<String> {
        let (name, _, (maj, min)) = self.describe()?;
        Ok(format!("{name}, sm_{maj}{min}"))
    }

    /// `sources` compiled for this device, compiling on first use (a failure is cached too:
    /// it would fail again).
    fn module(&self, sources: &'static [KernelSource]) -> Result<Arc<Module>> {
        let mut modules = self
            .modules
            .lock()
            .map_err(|_| Error::GpuUnavailable("kernel module cache poisoned".into()))?;
        modules
            .entry(sources_id(sources))
            .or_insert_with(|| self.load(sources).map(Arc::new).map_err(unavailable_reason))
            .clone()
            .map_err(Error::GpuUnavailable)
    }

    fn load(&self, sources: &'static [KernelSource]) -> Result<Module> {
        let (maj, min) = self
            .ctx
            .compute_capability()
            .map_err(|e| error("compute capability", e))?;
        // cudarc takes the architecture as a &'static str; this runs once per source list.
        let arch: &'static str = Box::leak(format!("compute_{maj}{min}").into_boxed_str());
        let t = Instant::now();
        let ptx = compile(sources, arch)?;
        let module = self
            .ctx
            .load_module(ptx)
            .map_err(|e| error("loading the kernel module", e))?;
        let functions = kernel_names(sources)
            .into_iter()
            .map(|name| {
                module
                    .load_function(name)
                    .map(|f| (name, f))
                    .map_err(|e| error(&format!("loading kernel {name}"), e))
            })
            .collect::<Result<_>>()?;
        Ok(Module {
            functions,
            compile_s: t.elapsed().as_secs_f64(),
        })
    }
}

/// The process's GPU with a list of kernel sources: what a [`super::KernelJob`] launches on.
#[derive(Clone, Copy)]
pub struct Gpu {
    context: &'static Context,
    sources: &'static [KernelSource],
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("context", self.context)
            .field("kernels", &kernel_names(self.sources))
            .finish()
    }
}

impl Gpu {
    /// Device 0 with the kernels of `sources` (compiled on the first launch).
    pub fn open(sources: &'static [KernelSource]) -> Result<Gpu> {
        Ok(Gpu {
            context: Context::get()?,
            sources,
        })
    }

    /// The context.
    pub fn context(&self) -> &'static Context {
        self.context
    }

    /// Device name, memory in bytes and compute capability.
    pub fn describe(&self) -> Result<(String, usize, (i32, i32))> {
        self.context.describe()
    }

    /// `name, sm_XY`, or `CUDA device 0` when the device cannot be queried (for messages).
    pub fn label(&self) -> String {
        self.context
            .label()
            .unwrap_or_else(|_| "CUDA device 0".into())
    }

    /// The kernel `name`, compiling the sources on first use.
    pub fn function(&self, name: &str) -> Result<CudaFunction> {
        self.context
            .module(self.sources)?
            .functions
            .get(name)
            .cloned()
            .ok_or_else(|| {
                Error::GpuUnavailable(format!(
                    "no kernel {name} among the registered sources ({})",
                    kernel_names(self.sources).join(", ")
                ))
            })
    }

    /// Seconds NVRTC compilation and module loading took (compiling if not done yet).
    pub fn compile_seconds(&self) -> Result<f64> {
        Ok(self.context.module(self.sources)?.compile_s)
    }

    /// The stream every launch and copy goes to.
    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.context.stream
    }

    /// Copy `v` to the device (`what` names it in errors).
    pub fn upload<T: DeviceRepr>(&self, v: &[T], what: &str) -> Result<CudaSlice<T>> {
        self.stream()
            .clone_htod(v)
            .map_err(|e| error(&format!("copying {what}"), e))
    }

    /// `len` zeroed device values (`what` names them in errors).
    pub fn zeros<T: DeviceRepr + ValidAsZeroBits>(
        &self,
        len: usize,
        what: &str,
    ) -> Result<CudaSlice<T>> {
        self.stream()
            .alloc_zeros::<T>(len)
            .map_err(|e| error(&format!("allocating {what}"), e))
    }

    /// Copy `buf` back to the host (`what` names it in errors).
    pub fn download<T: DeviceRepr>(&self, buf: &CudaSlice<T>, what: &str) -> Result<Vec<T>> {
        self.stream()
            .clone_dtoh(buf)
            .map_err(|e| error(&format!("copying {what} back"), e))
    }

    /// Wait for the stream. Copies into pageable host memory complete before returning, but
    /// callers time these calls, so each job synchronizes explicitly after its last copy.
    pub fn sync(&self) -> Result<()> {
        self.stream()
            .synchronize()
            .map_err(|e| error("synchronizing the stream", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_never_panics() {
        // On a machine without CUDA this is an error naming the libraries; with CUDA it is Ok.
        match preflight() {
            Ok(()) => {}
            Err(e) => assert!(e.to_string().contains("cannot load"), "{e}"),
        }
    }
}
