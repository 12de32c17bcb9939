//! CUDA backend (feature `cuda`), through cudarc with the CUDA libraries loaded at run time.
//!
//! cudarc panics on the first call into a library it cannot `dlopen`, so every entry point runs
//! [`preflight`] first and turns absence into [`Error::GpuUnavailable`]. One context and one
//! stream per process ([`Gpu::get`]). The kernels' CUDA sources live next to their CPU twins in
//! [`crate::kernels`] (compiled without this feature); here they are compiled once with NVRTC
//! for the device's architecture and cached in the [`Gpu`]. The agreement checks (GPU against
//! twin on fresh random inputs) are in [`checks`]: `veristat device` prints them as a table, and
//! the `#[ignore]`d tests run them on a GPU machine with `--ignored`.
//!
//! | host call | kernel(s) | CPU twin |
//! |---|---|---|
//! | [`Gpu::xt_r`] | cuBLAS DGEMM | `x.tr_mul(r)` |
//! | [`Gpu::expfam_normal_risk`], [`Gpu::expfam_run`] (claim summary) | `vs_expfam_normal_risk` | [`NormalRisk::replicates_cpu`], [`NormalRisk::run_cpu`] |
//! | [`Gpu::expfam_poisson_risk`] | `vs_expfam_poisson_risk` | [`PoissonRisk::replicates_cpu`] |
//! | [`Gpu::expfam_chain_risk`] | `vs_expfam_chain_risk` | [`ChainRisk::replicates_cpu`] |
//! | [`Gpu::ldp_aggregate`] | `vs_ldp_features`, `vs_ldp_chunk_sums`, `vs_ldp_reduce` | [`LdpMessages::aggregate_cpu`] |
//! | [`Gpu::ldp_cells`] | `vs_ldp_cells` | [`CellJob::moments_cpu`] |
//! | [`Gpu::ldp_iht_round`] (driven by [`crate::kernels::ldp_iht::iht_batch`]) | `vs_ldp_iht_round` | [`IhtRound::round_cpu`] |
//! | [`Gpu::echo_loglike`] (data uploaded once by [`Gpu::echo_upload`]), [`Gpu::echo_loglike_batch`] | `vs_echo_loglike` | [`crate::kernels::echo::log_ratio_batch_cpu`] |

pub mod checks;

use crate::device::RiskCase;
use crate::echo::template::CombParams;
use crate::error::{Error, Result};
use crate::expfam::risk::RiskDraw;
use crate::kernels::echo::{EchoData, THREADS as ECHO_THREADS};
use crate::kernels::expfam::{self as expfam_normal, NormalRisk, check_finite_because, check_n};
use crate::kernels::expfam_chain::{self, ChainRisk};
use crate::kernels::expfam_poisson::{self, PoissonRisk};
use crate::kernels::ldp::{CHUNK as LDP_CHUNK, LdpMessages, LdpSums};
use crate::kernels::ldp_cells::{CellJob, CellMoments, THREADS as CELLS_THREADS};
use crate::kernels::ldp_iht::{IhtRound, USERS_PER_THREAD as IHT_USERS_PER_THREAD};
use crate::kernels::philox::PhiloxKey;
use crate::kernels::{KERNEL_NAMES, NVRTC_OPTIONS, cuda_program};
use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::{CompileOptions, Ptx, compile_ptx_with_opts};
use nalgebra::DMatrix;
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

fn gpu_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::GpuUnavailable(format!("{what}: {e:?}"))
}

/// Whether NVRTC alone can be loaded (compiling needs no driver and no GPU).
pub fn nvrtc_present() -> bool {
    // SAFETY: only attempts to dlopen libnvrtc and reports the outcome.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// Compile [`cuda_program`] to PTX for `arch` (e.g. `compute_90`), with [`NVRTC_OPTIONS`].
/// Needs only libnvrtc; an absent library or a compile error (with NVRTC's log) is an
/// [`Error::GpuUnavailable`].
pub fn compile_kernels(arch: &'static str) -> Result<Ptx> {
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
    compile_ptx_with_opts(cuda_program(), opts).map_err(|e| gpu_err("NVRTC compile", e))
}

/// The compiled module and its functions.
struct Kernels {
    _module: Arc<CudaModule>,
    expfam: CudaFunction,
    expfam_poisson: CudaFunction,
    expfam_chain: CudaFunction,
    ldp_features: CudaFunction,
    ldp_chunk_sums: CudaFunction,
    ldp_reduce: CudaFunction,
    ldp_cells: CudaFunction,
    echo: CudaFunction,
    ldp_iht: CudaFunction,
    compile_s: f64,
}

/// Echo data resident on the device (uploaded once per data set, reused for every batch).
pub struct EchoOnDevice {
    freq: CudaSlice<f64>,
    w_re: CudaSlice<f64>,
    w_im: CudaSlice<f64>,
    w_abs: CudaSlice<f64>,
    v: CudaSlice<f64>,
    nbins: u32,
    f0: f64,
    df: f64,
    duration: f64,
    sign: f64,
    kind_new: i32,
}

/// The process's CUDA context, stream, cuBLAS handle and (compiled on first use) kernels.
pub struct Gpu {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    blas: Mutex<CudaBlas>,
    kernels: OnceLock<std::result::Result<Kernels, String>>,
}

/// Device scratch bound of one [`Gpu::ldp_cells`] launch, bytes.
pub const CELLS_SCRATCH: usize = 1 << 30;

fn to_u32(v: usize, what: &'static str) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::param(what, v, "exceeds the kernels' 32-bit index range"))
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("device", &self.ctx.name().unwrap_or_default())
            .finish()
    }
}

static GPU: OnceLock<std::result::Result<Gpu, String>> = OnceLock::new();

impl Gpu {
    /// The shared device 0, created on first use.
    pub fn get() -> Result<&'static Gpu> {
        GPU.get_or_init(|| Self::create().map_err(unavailable_reason))
            .as_ref()
            .map_err(|e| Error::GpuUnavailable(e.clone()))
    }

    fn create() -> Result<Gpu> {
        preflight()?;
        let n = CudaContext::device_count().map_err(|e| gpu_err("counting devices", e))?;
        if n == 0 {
            return Err(Error::GpuUnavailable(
                "the driver loads but reports no CUDA device".into(),
            ));
        }
        let ctx = CudaContext::new(0).map_err(|e| gpu_err("creating a context on device 0", e))?;
        let stream = ctx.default_stream();
        let blas =
            CudaBlas::new(stream.clone()).map_err(|e| gpu_err("creating a cuBLAS handle", e))?;
        Ok(Gpu {
            ctx,
            stream,
            blas: Mutex::new(blas),
            kernels: OnceLock::new(),
        })
    }

    /// The kernels, compiled by NVRTC for this device on first use and cached.
    fn kernels(&self) -> Result<&Kernels> {
        self.kernels
            .get_or_init(|| self.load_kernels().map_err(unavailable_reason))
            .as_ref()
            .map_err(|e| Error::GpuUnavailable(e.clone()))
    }

    fn load_kernels(&self) -> Result<Kernels> {
        let (maj, min) = self
            .ctx
            .compute_capability()
            .map_err(|e| gpu_err("compute capability", e))?;
        // cudarc takes the architecture as a &'static str; this runs once per process.
        let arch: &'static str = Box::leak(format!("compute_{maj}{min}").into_boxed_str());
        let t = Instant::now();
        let ptx = compile_kernels(arch)?;
        let module = self
            .ctx
            .load_module(ptx)
            .map_err(|e| gpu_err("loading the kernel module", e))?;
        let f = |name: &str| {
            module
                .load_function(name)
                .map_err(|e| gpu_err(&format!("loading kernel {name}"), e))
        };
        let [a, a2, a3, b, c, d, cells, e, h] = KERNEL_NAMES;
        Ok(Kernels {
            expfam: f(a)?,
            expfam_poisson: f(a2)?,
            expfam_chain: f(a3)?,
            ldp_features: f(b)?,
            ldp_chunk_sums: f(c)?,
            ldp_reduce: f(d)?,
            ldp_cells: f(cells)?,
            echo: f(e)?,
            ldp_iht: f(h)?,
            _module: module.clone(),
            compile_s: t.elapsed().as_secs_f64(),
        })
    }

    /// Seconds NVRTC compilation and module loading took (compiling if not done yet).
    pub fn kernel_compile_seconds(&self) -> Result<f64> {
        Ok(self.kernels()?.compile_s)
    }

    fn sync(&self) -> Result<()> {
        self.stream
            .synchronize()
            .map_err(|e| gpu_err("synchronizing the stream", e))
    }

    /// Normal-model risk replicates `first .. first + count` at sample size n: one thread per
    /// replicate, same Philox streams as [`NormalRisk::replicates_cpu`].
    pub fn expfam_normal_risk(
        &self,
        case: &NormalRisk,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        check_n(n)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let (count32, n32) = (to_u32(count, "replicates")?, to_u32(n, "n")?);
        let k = self.kernels()?;
        let (mut kl, mut q) = self.risk_buffers(count)?;
        let (kind, p1, p2) = case.truth().code();
        let [mu, var, eta1, eta2, i11, i12, i22] = case.kernel_params();
        let [k0, k1] = key.0;
        let mut l = self.stream.launch_builder(&k.expfam);
        l.arg(&k0).arg(&k1).arg(&first).arg(&count32).arg(&n32);
        l.arg(&kind).arg(&p1).arg(&p2);
        l.arg(&mu).arg(&var).arg(&eta1).arg(&eta2);
        l.arg(&i11).arg(&i12).arg(&i22);
        l.arg(&mut kl).arg(&mut q);
        // SAFETY: the arguments match vs_expfam_normal_risk's signature in type and order, and
        // kl/q hold `count` doubles, the most the kernel writes.
        unsafe { l.launch(Self::replicate_grid(count32)) }
            .map_err(|e| gpu_err("launching vs_expfam_normal_risk", e))?;
        self.risk_results(&kl, &q, first, expfam_normal::NO_MLE)
    }

    /// Device buffers for `count` losses and control variates.
    fn risk_buffers(&self, count: usize) -> Result<(CudaSlice<f64>, CudaSlice<f64>)> {
        let s = &self.stream;
        let kl = s
            .alloc_zeros::<f64>(count)
            .map_err(|e| gpu_err("allocating KL", e))?;
        let q = s
            .alloc_zeros::<f64>(count)
            .map_err(|e| gpu_err("allocating Q", e))?;
        Ok((kl, q))
    }

    /// Copy a risk kernel's outputs back and check them (`cause`: why a loss can be infinite).
    /// Copies into pageable host memory complete before returning, but the stream is
    /// synchronized explicitly: callers time these calls.
    fn risk_results(
        &self,
        kl: &CudaSlice<f64>,
        q: &CudaSlice<f64>,
        first: u64,
        cause: &str,
    ) -> Result<Vec<RiskDraw>> {
        let s = &self.stream;
        let kl = s.clone_dtoh(kl).map_err(|e| gpu_err("copying KL", e))?;
        let q = s.clone_dtoh(q).map_err(|e| gpu_err("copying Q", e))?;
        self.sync()?;
        let out: Vec<RiskDraw> = kl
            .into_iter()
            .zip(q)
            .map(|(kl, q)| RiskDraw { kl, q })
            .collect();
        check_finite_because(&out, first, cause)?;
        Ok(out)
    }

    /// One thread per replicate, 128 per block.
    fn replicate_grid(count: u32) -> LaunchConfig {
        let threads = 128u32;
        LaunchConfig {
            grid_dim: (count.div_ceil(threads), 1, 1),
            block_dim: (threads, 1, 1),
            shared_mem_bytes: 0,
        }
    }

    /// Poisson-model risk replicates `first .. first + count` at sample size n: one thread per
    /// replicate draws Σx (two draws whatever n), same Philox streams as
    /// [`PoissonRisk::replicates_cpu`].
    pub fn expfam_poisson_risk(
        &self,
        case: &PoissonRisk,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        check_n(n)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let (count32, n32) = (to_u32(count, "replicates")?, to_u32(n, "n")?);
        let k = self.kernels()?;
        let (mut kl, mut q) = self.risk_buffers(count)?;
        let (kind, p1, p2) = case.truth().code();
        let [mu, eta, iinv] = case.kernel_params();
        let [k0, k1] = key.0;
        let mut l = self.stream.launch_builder(&k.expfam_poisson);
        l.arg(&k0).arg(&k1).arg(&first).arg(&count32).arg(&n32);
        l.arg(&kind).arg(&p1).arg(&p2);
        l.arg(&mu).arg(&eta).arg(&iinv);
        l.arg(&mut kl).arg(&mut q);
        // SAFETY: the arguments match vs_expfam_poisson_risk's signature in type and order, and
        // kl/q hold `count` doubles, the most the kernel writes.
        unsafe { l.launch(Self::replicate_grid(count32)) }
            .map_err(|e| gpu_err("launching vs_expfam_poisson_risk", e))?;
        self.risk_results(&kl, &q, first, expfam_poisson::NO_MLE)
    }

    /// Chain Gaussian graphical model risk replicates `first .. first + count` at sample size n:
    /// one thread per replicate, same Philox streams as [`ChainRisk::replicates_cpu`].
    pub fn expfam_chain_risk(
        &self,
        case: &ChainRisk,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        check_n(n)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let (count32, n32) = (to_u32(count, "replicates")?, to_u32(n, "n")?);
        let d32 = to_u32(case.d(), "d")?;
        let k = self.kernels()?;
        let prm = self
            .stream
            .clone_htod(&case.kernel_params())
            .map_err(|e| gpu_err("copying chain parameters", e))?;
        let (mut kl, mut q) = self.risk_buffers(count)?;
        let [k0, k1] = key.0;
        let mut l = self.stream.launch_builder(&k.expfam_chain);
        l.arg(&k0)
            .arg(&k1)
            .arg(&first)
            .arg(&count32)
            .arg(&n32)
            .arg(&d32);
        l.arg(&prm).arg(&mut kl).arg(&mut q);
        // SAFETY: the arguments match vs_expfam_chain_risk's signature in type and order; prm is
        // the parameter block laid out for d (ChainRisk::kernel_params, d <= MAX_D checked when
        // the case was built) and kl/q hold `count` doubles, the most the kernel writes.
        unsafe { l.launch(Self::replicate_grid(count32)) }
            .map_err(|e| gpu_err("launching vs_expfam_chain_risk", e))?;
        self.risk_results(&kl, &q, first, expfam_chain::NO_MLE)
    }

    /// [`NormalRisk::run_cpu`] on the GPU: replicates 0..`replicates` at n, summarized as the
    /// claim summarizes them.
    pub fn expfam_run(
        &self,
        case: &NormalRisk,
        key: PhiloxKey,
        n: usize,
        replicates: usize,
    ) -> Result<crate::expfam::MonteCarloRisk> {
        crate::error::check::at_least("replicates", replicates, 2)?;
        let draws = self.expfam_normal_risk(case, key, 0, replicates, n)?;
        crate::expfam::risk::summarize(n, &draws, &case.terms())
    }

    /// The server's sums of the NLDP messages of the users in `x` (n × d, user-major) and `y`,
    /// as [`LdpMessages::aggregate_cpu`]: clipping and shrinkage per user, Gaussian noise from
    /// Philox stream i for user i, sums in fixed chunk order.
    pub fn ldp_aggregate(
        &self,
        msg: &LdpMessages,
        key: PhiloxKey,
        x: &[f64],
        y: &[f64],
    ) -> Result<LdpSums> {
        let n = msg.validate(x, y)?;
        let d = msg.dim();
        let (ne, tri) = (msg.entries(), msg.tri());
        let (d32, ne32, tri32) = (to_u32(d, "d")?, to_u32(ne, "entries")?, to_u32(tri, "tri")?);
        let chunks = n.div_ceil(LDP_CHUNK);
        let chunks32 = to_u32(chunks, "user chunks")?;
        let pairs32 = to_u32(ne.div_ceil(2), "entry pairs")?;
        let users = n as u64;
        let k = self.kernels()?;
        let s = &self.stream;
        let (mut js, mut ls) = msg.pair_table();
        // The public variant has no covariance entries; a one-element table keeps the device
        // allocations non-empty (the kernel never reads it then).
        if js.is_empty() {
            js.push(0);
            ls.push(0);
        }
        let up = |v: &[f64], what: &str| s.clone_htod(v).map_err(|e| gpu_err(what, e));
        let x_d = up(x, "copying x")?;
        let y_d = up(y, "copying y")?;
        let js_d = s.clone_htod(&js).map_err(|e| gpu_err("copying js", e))?;
        let ls_d = s.clone_htod(&ls).map_err(|e| gpu_err("copying ls", e))?;
        let alloc = |len: usize, what: &str| {
            s.alloc_zeros::<f64>(len.max(1))
                .map_err(|e| gpu_err(what, e))
        };
        let mut xb = alloc(n * d, "allocating x̄")?;
        let mut xty = alloc(n * d, "allocating x̃ỹ")?;
        let mut partial = alloc(chunks * ne, "allocating chunk sums")?;
        let mut out = alloc(ne, "allocating sums")?;
        let (tau1, tau2) = msg.tau();
        let radius = msg.radius_or_zero();
        let (s1, s2) = msg.sigma();
        let [k0, k1] = key.0;
        let chunk32 = LDP_CHUNK as u32;

        let threads = 256u32;
        let users_blocks = to_u32(n.div_ceil(threads as usize), "user blocks")?;
        let mut l = s.launch_builder(&k.ldp_features);
        l.arg(&x_d).arg(&y_d).arg(&users).arg(&d32);
        l.arg(&tau1).arg(&tau2).arg(&radius);
        l.arg(&mut xb).arg(&mut xty);
        let cfg = LaunchConfig {
            grid_dim: (users_blocks, 1, 1),
            block_dim: (threads, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: argument types and order match vs_ldp_features; xb and xty hold n·d doubles.
        unsafe { l.launch(cfg) }.map_err(|e| gpu_err("launching vs_ldp_features", e))?;

        let tp = 128u32;
        let mut l = s.launch_builder(&k.ldp_chunk_sums);
        l.arg(&k0).arg(&k1).arg(&xb).arg(&xty).arg(&users).arg(&d32);
        l.arg(&tri32).arg(&ne32).arg(&js_d).arg(&ls_d);
        l.arg(&s1).arg(&s2).arg(&chunk32).arg(&mut partial);
        let cfg = LaunchConfig {
            grid_dim: (chunks32, pairs32.div_ceil(tp), 1),
            block_dim: (tp, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: argument types and order match vs_ldp_chunk_sums; partial holds
        // chunks·entries doubles and js/ls hold the tri covariance index pairs.
        unsafe { l.launch(cfg) }.map_err(|e| gpu_err("launching vs_ldp_chunk_sums", e))?;

        let chunks64 = chunks as u64;
        let mut l = s.launch_builder(&k.ldp_reduce);
        l.arg(&partial).arg(&chunks64).arg(&ne32).arg(&mut out);
        let cfg = LaunchConfig {
            grid_dim: (ne32.div_ceil(tp), 1, 1),
            block_dim: (tp, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: argument types and order match vs_ldp_reduce; out holds `entries` doubles.
        unsafe { l.launch(cfg) }.map_err(|e| gpu_err("launching vs_ldp_reduce", e))?;
        let mut entries = s.clone_dtoh(&out).map_err(|e| gpu_err("copying sums", e))?;
        self.sync()?;
        entries.truncate(ne);
        Ok(LdpSums {
            n: users,
            d,
            entries,
        })
    }

    /// Exact Σxxᵀ and Σxỹ of `job`'s users for each replicate in `reps`: one block of
    /// [`CELLS_THREADS`] threads per replicate (the tree's levels, the collapse to patterns and
    /// the Walsh–Hadamard stages separated by barriers), replicates in chunks whose scratch
    /// (32·2^d bytes each) stays within [`CELLS_SCRATCH`] bytes. Same numbers as
    /// [`CellJob::moments_cpu`].
    pub fn ldp_cells(
        &self,
        job: &CellJob,
        key: PhiloxKey,
        reps: &[u64],
    ) -> Result<Vec<CellMoments>> {
        CellJob::check_reps(reps)?;
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let k = self.kernels()?;
        let s = &self.stream;
        let d = job.dim();
        let (tri, np) = (job.tri(), 1usize << d);
        let per_rep = 32 * np;
        let chunk = (CELLS_SCRATCH / per_rep).clamp(1, reps.len());
        let theta = s
            .clone_htod(job.theta())
            .map_err(|e| gpu_err("copying theta", e))?;
        let alloc_err = |e| gpu_err("allocating cell scratch", e);
        let mut cells = s.alloc_zeros::<u64>(chunk * 2 * np).map_err(alloc_err)?;
        let mut cnt = s.alloc_zeros::<i64>(chunk * np).map_err(alloc_err)?;
        let mut ys = s.alloc_zeros::<f64>(chunk * np).map_err(alloc_err)?;
        let mut xx = s.alloc_zeros::<i64>(chunk * tri).map_err(alloc_err)?;
        let mut xy = s.alloc_zeros::<f64>(chunk * d).map_err(alloc_err)?;
        let [k0, k1] = key.0;
        let (n, d32) = (job.users(), to_u32(d, "d")?);
        let (noise, tau2) = (job.noise(), job.tau2());
        let mut out = Vec::with_capacity(reps.len());
        for part in reps.chunks(chunk) {
            let count = to_u32(part.len(), "replicates")?;
            let reps_d = s
                .clone_htod(part)
                .map_err(|e| gpu_err("copying replicate indices", e))?;
            let mut l = s.launch_builder(&k.ldp_cells);
            l.arg(&k0)
                .arg(&k1)
                .arg(&reps_d)
                .arg(&count)
                .arg(&n)
                .arg(&d32);
            l.arg(&theta).arg(&noise).arg(&tau2);
            l.arg(&mut cells)
                .arg(&mut cnt)
                .arg(&mut ys)
                .arg(&mut xx)
                .arg(&mut xy);
            let cfg = LaunchConfig {
                grid_dim: (count, 1, 1),
                block_dim: (CELLS_THREADS, 1, 1),
                shared_mem_bytes: 0,
            };
            // SAFETY: argument types and order match vs_ldp_cells; the scratch holds 2^{d+1}
            // counts and 2^d pattern counts and sums per block, the outputs tri + d values per
            // block, for `count` ≤ `chunk` blocks.
            unsafe { l.launch(cfg) }.map_err(|e| gpu_err("launching vs_ldp_cells", e))?;
            let xx_h = s.clone_dtoh(&xx).map_err(|e| gpu_err("copying Σxxᵀ", e))?;
            let xy_h = s.clone_dtoh(&xy).map_err(|e| gpu_err("copying Σxỹ", e))?;
            self.sync()?;
            for b in 0..part.len() {
                out.push(CellMoments {
                    n,
                    d,
                    xx: xx_h[b * tri..(b + 1) * tri].to_vec(),
                    xy: xy_h[b * d..(b + 1) * d].to_vec(),
                });
            }
        }
        Ok(out)
    }

    /// One LDP-IHT round for the replicates `reps` at their current θ (`theta`, replicate-major):
    /// the sums of the round's Duchi reports, as [`IhtRound::round_cpu`] (same Philox numbers,
    /// exact integer accumulation, so the two agree bit for bit).
    pub fn ldp_iht_round(
        &self,
        round: &IhtRound,
        key: PhiloxKey,
        reps: &[u64],
        theta: &[f64],
    ) -> Result<Vec<f64>> {
        round.check_batch(reps, theta)?;
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let d = round.dim();
        let d32 = to_u32(d, "d")?;
        let k32 = to_u32(round.sparsity(), "k")?;
        let problems = reps.len() as u64;
        let users = round.users();
        let chunks = users.div_ceil(u64::from(IHT_USERS_PER_THREAD));
        let threads = 128u32;
        let total = problems
            .checked_mul(chunks)
            .ok_or_else(|| Error::param("replicates", problems, "too many threads"))?;
        let blocks = u32::try_from(total.div_ceil(u64::from(threads))).map_err(|_| {
            Error::param(
                "replicates",
                problems,
                "replicates × users exceed the kernel's grid",
            )
        })?;
        let (noise, tau1, tau2) = round.design();
        let (g, _, pi) = round.mechanism();
        let r32 = round.round();
        let [k0, k1] = key.0;
        let k = self.kernels()?;
        let s = &self.stream;
        let reps_d = s
            .clone_htod(reps)
            .map_err(|e| gpu_err("copying replicate indices", e))?;
        let theta_d = s.clone_htod(theta).map_err(|e| gpu_err("copying θ", e))?;
        let mut counts = s
            .alloc_zeros::<u64>(reps.len() * d)
            .map_err(|e| gpu_err("allocating report counts", e))?;
        let mut l = s.launch_builder(&k.ldp_iht);
        l.arg(&k0).arg(&k1).arg(&reps_d).arg(&problems).arg(&users);
        l.arg(&r32).arg(&d32).arg(&k32);
        l.arg(&noise).arg(&tau1).arg(&tau2).arg(&g).arg(&pi);
        l.arg(&IHT_USERS_PER_THREAD).arg(&theta_d).arg(&mut counts);
        let cfg = LaunchConfig {
            grid_dim: (blocks, 1, 1),
            block_dim: (threads, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: argument types and order match vs_ldp_iht_round; reps holds `problems`
        // indices, theta and counts hold problems·d values, the most the kernel reads or writes.
        unsafe { l.launch(cfg) }.map_err(|e| gpu_err("launching vs_ldp_iht_round", e))?;
        let c = s
            .clone_dtoh(&counts)
            .map_err(|e| gpu_err("copying report counts", e))?;
        self.sync()?;
        // The kernel adds signed counts as two's-complement u64: reinterpret.
        let c: Vec<i64> = c.into_iter().map(|v| v as i64).collect();
        Ok(round.sums_from_counts(&c))
    }

    /// Upload a prepared echo data set once (a search then evaluates many batches on it).
    pub fn echo_upload(&self, data: &EchoData) -> Result<EchoOnDevice> {
        let s = &self.stream;
        let up = |v: &[f64], what: &str| s.clone_htod(v).map_err(|e| gpu_err(what, e));
        Ok(EchoOnDevice {
            freq: up(&data.freq, "copying frequencies")?,
            w_re: up(&data.w_re, "copying data weights")?,
            w_im: up(&data.w_im, "copying data weights")?,
            w_abs: up(&data.w_abs, "copying data weights")?,
            v: up(&data.v, "copying noise weights")?,
            nbins: to_u32(data.freq.len(), "frequency bins")?,
            f0: data.f0,
            df: data.df,
            duration: data.duration,
            sign: data.sign,
            kind_new: i32::from(data.kind == crate::echo::LikelihoodKind::New),
        })
    }

    /// Upload `data` and evaluate `points` (one-off batches; a search uploads once with
    /// [`Gpu::echo_upload`] and calls [`Gpu::echo_loglike`] per batch).
    pub fn echo_loglike_batch(&self, data: &EchoData, points: &[CombParams]) -> Result<Vec<f64>> {
        let dev = self.echo_upload(data)?;
        self.echo_loglike(&dev, points)
    }

    /// `ln Λ` (new or old, as the data were prepared) at every point: one block per point, as
    /// [`EchoData::log_ratio_mirror`] and the library's `CombLikelihood::log_ratio`. Points are
    /// validated first ([`CombParams::validate`]), as the CLI's `loglike` does.
    pub fn echo_loglike(&self, data: &EchoOnDevice, points: &[CombParams]) -> Result<Vec<f64>> {
        if points.is_empty() {
            return Ok(Vec::new());
        }
        for p in points {
            p.validate()?;
        }
        let np = to_u32(points.len(), "points")?;
        let k = self.kernels()?;
        let s = &self.stream;
        let flat: Vec<f64> = points.iter().flat_map(|p| p.to_array()).collect();
        let params = s
            .clone_htod(&flat)
            .map_err(|e| gpu_err("copying points", e))?;
        let mut out = s
            .alloc_zeros::<f64>(points.len())
            .map_err(|e| gpu_err("allocating log ratios", e))?;
        let mut l = s.launch_builder(&k.echo);
        l.arg(&data.freq)
            .arg(&data.w_re)
            .arg(&data.w_im)
            .arg(&data.w_abs);
        l.arg(&data.v).arg(&data.nbins).arg(&data.f0).arg(&data.df);
        l.arg(&data.duration).arg(&data.sign).arg(&data.kind_new);
        l.arg(&params).arg(&np).arg(&mut out);
        let cfg = LaunchConfig {
            grid_dim: (np, 1, 1),
            block_dim: (ECHO_THREADS as u32, 1, 1),
            shared_mem_bytes: (ECHO_THREADS * std::mem::size_of::<f64>()) as u32,
        };
        // SAFETY: argument types and order match vs_echo_loglike; the block has THREADS
        // threads and THREADS doubles of shared memory, out holds one double per point.
        unsafe { l.launch(cfg) }.map_err(|e| gpu_err("launching vs_echo_loglike", e))?;
        let v = s
            .clone_dtoh(&out)
            .map_err(|e| gpu_err("copying log ratios", e))?;
        self.sync()?;
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::Numerical(format!(
                "log likelihood ratio is {} at {:?}",
                v[i], points[i]
            )));
        }
        Ok(v)
    }

    /// Device name, memory in bytes and compute capability.
    pub fn describe(&self) -> Result<(String, usize, (i32, i32))> {
        Ok((
            self.ctx.name().map_err(|e| gpu_err("device name", e))?,
            self.ctx
                .total_mem()
                .map_err(|e| gpu_err("device memory", e))?,
            self.ctx
                .compute_capability()
                .map_err(|e| gpu_err("compute capability", e))?,
        ))
    }

    /// `Xᵀ R` for an n × d design and an n × m batch of residuals, in f64 (cuBLAS DGEMM). The
    /// CPU twin is `x.tr_mul(r)`; the sparse module uses it for batched gap and KKT checks.
    pub fn xt_r(&self, x: &DMatrix<f64>, r: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        if x.nrows() != r.nrows() {
            return Err(Error::DimensionMismatch {
                what: "Xᵀ R rows",
                expected: x.nrows(),
                got: r.nrows(),
            });
        }
        let (n, d, m) = (x.nrows(), x.ncols(), r.ncols());
        let to_i32 = |v: usize, what: &'static str| {
            i32::try_from(v)
                .map_err(|_| Error::param(what, v, "exceeds cuBLAS's 32-bit dimension limit"))
        };
        let (ni, di, mi) = (to_i32(n, "n")?, to_i32(d, "d")?, to_i32(m, "m")?);
        let s = &self.stream;
        let x_d = s
            .clone_htod(x.as_slice())
            .map_err(|e| gpu_err("copying X", e))?;
        let r_d = s
            .clone_htod(r.as_slice())
            .map_err(|e| gpu_err("copying R", e))?;
        let mut c_d = s
            .alloc_zeros::<f64>(d * m)
            .map_err(|e| gpu_err("allocating XᵀR", e))?;
        let cfg = GemmConfig {
            transa: cublasOperation_t::CUBLAS_OP_T,
            transb: cublasOperation_t::CUBLAS_OP_N,
            m: di,
            n: mi,
            k: ni,
            alpha: 1.0,
            lda: ni,
            ldb: ni,
            beta: 0.0,
            ldc: di,
        };
        {
            let blas = self
                .blas
                .lock()
                .map_err(|_| Error::GpuUnavailable("cuBLAS handle poisoned".into()))?;
            // SAFETY: the buffers have the sizes the config describes (column-major, leading
            // dimensions n, n and d).
            unsafe { blas.gemm(cfg, &x_d, &r_d, &mut c_d) }.map_err(|e| gpu_err("DGEMM", e))?;
        }
        let c = s
            .clone_dtoh(&c_d)
            .map_err(|e| gpu_err("copying XᵀR back", e))?;
        Ok(DMatrix::from_vec(d, m, c))
    }
}

struct GpuEcho<'a> {
    gpu: &'a Gpu,
    data: EchoOnDevice,
}

impl crate::device::EchoBatch for GpuEcho<'_> {
    fn log_ratios(&self, points: &[CombParams]) -> Result<Vec<f64>> {
        self.gpu.echo_loglike(&self.data, points)
    }
}

/// The device-routing interface over this GPU (what `--device cuda` hands to library code).
impl crate::device::Kernels for Gpu {
    fn label(&self) -> String {
        match self.describe() {
            Ok((name, _, (maj, min))) => format!("{name}, sm_{maj}{min}"),
            Err(_) => "CUDA device 0".into(),
        }
    }
    fn expfam_risk(
        &self,
        case: RiskCase<'_>,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        match case {
            RiskCase::Normal(c) => self.expfam_normal_risk(c, key, first, count, n),
            RiskCase::Poisson(c) => self.expfam_poisson_risk(c, key, first, count, n),
            RiskCase::Chain(c) => self.expfam_chain_risk(c, key, first, count, n),
        }
    }
    fn ldp_aggregate(
        &self,
        msg: &LdpMessages,
        key: PhiloxKey,
        x: &[f64],
        y: &[f64],
    ) -> Result<LdpSums> {
        Gpu::ldp_aggregate(self, msg, key, x, y)
    }
    fn ldp_cells(&self, job: &CellJob, key: PhiloxKey, reps: &[u64]) -> Result<Vec<CellMoments>> {
        Gpu::ldp_cells(self, job, key, reps)
    }
    fn echo_prepare<'a>(
        &'a self,
        data: &crate::kernels::echo::EchoData,
    ) -> Result<Box<dyn crate::device::EchoBatch + 'a>> {
        Ok(Box::new(GpuEcho {
            gpu: self,
            data: self.echo_upload(data)?,
        }))
    }
    fn ldp_iht_round(
        &self,
        round: &IhtRound,
        key: PhiloxKey,
        reps: &[u64],
        theta: &[f64],
    ) -> Result<Vec<f64>> {
        Gpu::ldp_iht_round(self, round, key, reps, theta)
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

    /// Compiles every kernel with the real NVRTC (it needs no GPU, only libnvrtc: e.g. the PyPI
    /// wheel nvidia-cuda-nvrtc). Ignored by default so that a machine without libnvrtc reports
    /// it skipped rather than passed; scripts/gpu-check.sh runs it when NVRTC_DIR is set.
    #[test]
    #[ignore = "needs libnvrtc: LD_LIBRARY_PATH=<folder of libnvrtc.so.13> cargo test --features cuda -- --ignored nvrtc"]
    fn nvrtc_compiles_every_kernel() {
        assert!(
            nvrtc_present(),
            "libnvrtc not loadable (tried {}); put its folder on LD_LIBRARY_PATH",
            cudarc::get_lib_name_candidates("nvrtc").join(", ")
        );
        for arch in ["compute_80", "compute_90"] {
            let ptx = compile_kernels(arch).unwrap_or_else(|e| panic!("{arch}: {e}"));
            let src = ptx.to_src();
            for k in KERNEL_NAMES {
                assert!(
                    src.contains(&format!(".entry {k}(")),
                    "{arch}: no entry {k}"
                );
            }
            println!("NVRTC compiled {} kernels for {arch}", KERNEL_NAMES.len());
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn expfam_risk_matches_cpu_twin() {
        let g = Gpu::get().expect("a GPU");
        let row = checks::expfam(g, 20_000, 100, 1).unwrap();
        assert!(row.ok, "{row:?}");
        // The claim-level summary is the same on both sides.
        let case =
            NormalRisk::new(&crate::expfam::truth::Truth::parse("gamma:4", 1).unwrap()).unwrap();
        let key = PhiloxKey::new(4, "expfam-risk-expansion");
        let (gs, cs) = (
            g.expfam_run(&case, key, 200, 5000).unwrap(),
            case.run_cpu(key, 200, 5000).unwrap(),
        );
        assert!(
            (gs.risk - cs.risk).abs() <= 1e-12 * cs.risk.abs(),
            "{gs:?} vs {cs:?}"
        );
        assert!((gs.se - cs.se).abs() <= 1e-10 * cs.se, "{gs:?} vs {cs:?}");
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn expfam_poisson_and_chain_risk_match_cpu_twins() {
        let g = Gpu::get().expect("a GPU");
        for n in [50, 1000] {
            let row = checks::expfam_poisson(g, 50_000, n, 1).unwrap();
            assert!(row.ok, "{row:?}");
            let row = checks::expfam_chain(g, 20_000, n, 1).unwrap();
            assert!(row.ok, "{row:?}");
        }
        // Correctly specified Poisson truth at nμ = 9.8 < 10 (the multiplication branch): a
        // replicate with Σx = 0 (probability e^{-9.8} each) is an error on both sides alike.
        let case =
            PoissonRisk::new(&crate::expfam::truth::Truth::parse("poisson:0.49", 1).unwrap())
                .unwrap();
        let key = PhiloxKey::new(4, "gpu-poisson-small");
        let (a, b) = (
            g.expfam_poisson_risk(&case, key, 0, 2000, 20),
            case.replicates_cpu(key, 0, 2000, 20),
        );
        match (a, b) {
            (Ok(a), Ok(b)) => {
                for (x, y) in a.iter().zip(&b) {
                    assert!((x.kl - y.kl).abs() <= 1e-12 * y.kl.abs(), "{x:?} vs {y:?}");
                    assert!((x.q - y.q).abs() <= 1e-12 * y.q.abs(), "{x:?} vs {y:?}");
                }
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("GPU {a:?}, twin {b:?}"),
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn ldp_aggregate_matches_cpu_twin() {
        let g = Gpu::get().expect("a GPU");
        for public in [false, true] {
            let row = checks::ldp(g, 50_000, 8, public, 1).unwrap();
            assert!(row.ok, "{row:?}");
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn ldp_cells_matches_cpu_twin() {
        let g = Gpu::get().expect("a GPU");
        // The claims' hardest point (d = 16, n = 1e11) and a public Gram at n = 1e12.
        for (reps, d, n, public) in [
            (64, 16, 100_000_000_000, false),
            (64, 8, 1_000_000_000_000, true),
        ] {
            let row = checks::ldp_cells(g, reps, d, n, public, 1).unwrap();
            assert!(row.ok, "{row:?}");
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn ldp_iht_round_matches_cpu_twin() {
        use crate::device::Twins;
        use crate::montecarlo::{NoProgress, RunConfig, Scale, runner};
        let g = Gpu::get().expect("a GPU");
        for d in [5, 16, 63] {
            let row = checks::ldp_iht(g, 24, 50_000, d, 1).unwrap();
            assert!(row.ok && row.rel_err == 0.0, "{row:?}");
        }
        // The offloaded claim: the same table as on the twins, number for number (the sums
        // are exact on both sides and the server step is the same host code).
        let claim = crate::claims::find("ldp-iht-slopes", Scale::Test).unwrap();
        let cfg = RunConfig::new(7, 3);
        let (a, used) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(g)).unwrap();
        assert!(used);
        let (b, _) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Twins)).unwrap();
        assert_eq!(a.rows, b.rows);
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn echo_loglike_matches_cpu_twin() {
        let g = Gpu::get().expect("a GPU");
        for kind in [
            crate::echo::LikelihoodKind::New,
            crate::echo::LikelihoodKind::Old,
        ] {
            let row = checks::echo(g, 4000, 2000, kind, 1).unwrap();
            assert!(row.ok, "{row:?}");
        }
    }

    /// The device-routed paths (`--device cuda`) give the twins' numbers.
    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn offloaded_claim_matches_the_twins() {
        let g = Gpu::get().expect("a GPU");
        claim_on_the_gpu_matches_the_twins(g, "expfam-risk-expansion", 500, 1e-10);
    }

    /// `name` at test scale on the GPU and on the twins: same rows (values to `rel`) and
    /// verdicts.
    fn claim_on_the_gpu_matches_the_twins(g: &Gpu, name: &str, replicates: u64, rel: f64) {
        use crate::device::Twins;
        use crate::montecarlo::{NoProgress, RunConfig, Scale, runner};
        let claim = crate::claims::find(name, Scale::Test).unwrap();
        let cfg = RunConfig::new(7, replicates);
        let (a, used) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(g)).unwrap();
        assert!(used);
        let (b, _) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Twins)).unwrap();
        assert_eq!(a.rows.len(), b.rows.len());
        for (x, y) in a.rows.iter().zip(&b.rows) {
            assert_eq!((x.replicate, &x.key), (y.replicate, &y.key));
            for (u, v) in x.values.iter().zip(&y.values) {
                assert!(
                    (u - v).abs() <= rel * v.abs().max(1e-300),
                    "{name}: {x:?} vs {y:?}"
                );
            }
        }
        let (va, vb) = (claim.verdict(&a).unwrap(), claim.verdict(&b).unwrap());
        assert_eq!(va.pass(), vb.pass(), "{name}");
    }

    /// The NLDP and public slope claims on the cell kernel give the twins' rows (counts equal,
    /// so the fits agree to rounding) and the same verdicts.
    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn offloaded_ldp_slope_claims_match_the_twins() {
        let g = Gpu::get().expect("a GPU");
        for name in ["ldp-nldp-slopes", "ldp-public-slopes"] {
            claim_on_the_gpu_matches_the_twins(g, name, 30, 1e-9);
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn nldp_fit_on_matches_the_twins() {
        use crate::device::Twins;
        use crate::ldp::regression::Nldp;
        let g = Gpu::get().expect("a GPU");
        let design = crate::ldp::regression::simulate::RademacherDesign::new(6, 2, 0.5).unwrap();
        let (x, y) = design.sample(100_000, &mut crate::rng::stream(1, "gpu-nldp", 0));
        let key = PhiloxKey::new(3, "ldp-regress");
        let est = Nldp::new(4.0, 1e-5).tau(1.0, 1.5);
        for public in [None, Some(&x)] {
            let a = est.fit_on(&x, &y, public, g, key).unwrap();
            let b = est.fit_on(&x, &y, public, &Twins, key).unwrap();
            assert!(
                (&a.coef - &b.coef).norm() <= 1e-9 * b.coef.norm().max(1.0),
                "{:?} vs {:?}",
                a.coef,
                b.coef
            );
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn echo_search_on_the_gpu_agrees_with_the_twins() {
        use crate::device::Twins;
        use crate::echo::{CombPrior, LikelihoodKind};
        use crate::inference::NestedParams;
        let g = Gpu::get().expect("a GPU");
        let spec = crate::kernels::echo::toy_spectrum(2000, 1).unwrap();
        let fmax = spec.freq()[spec.len() - 1];
        let prior = CombPrior::toy(0.8, 5.0, (5.0, 10.0), (0.0, fmax));
        let params = NestedParams::new(100).walks(10);
        let run = |k: &dyn crate::device::Kernels| {
            let mut rng = crate::rng::stream(4, "gpu-echo-search", 0);
            crate::echo::search_on(&spec, &prior, LikelihoodKind::New, &params, &mut rng, k)
                .unwrap()
        };
        let (a, b) = (run(g), run(&Twins));
        let tol = 3.0 * (a.log_bayes_factor_err.powi(2) + b.log_bayes_factor_err.powi(2)).sqrt();
        assert!(
            (a.log_bayes_factor - b.log_bayes_factor).abs() <= tol,
            "gpu {} ± {}, twins {} ± {}",
            a.log_bayes_factor,
            a.log_bayes_factor_err,
            b.log_bayes_factor,
            b.log_bayes_factor_err
        );
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn xt_r_matches_cpu_twin() {
        let mut rng = crate::rng::stream(3, "gpu-xtr", 0);
        use rand::RngExt;
        let x = DMatrix::from_fn(3000, 257, |_, _| rng.random::<f64>() - 0.5);
        let r = DMatrix::from_fn(3000, 5, |_, _| rng.random::<f64>() - 0.5);
        let gpu = Gpu::get().expect("a GPU");
        let g = gpu.xt_r(&x, &r).unwrap();
        let c = x.tr_mul(&r);
        assert!((g - &c).norm() <= 1e-12 * c.norm());
    }
}
