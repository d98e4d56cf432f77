namespace TuneOperator.Trainer.Training;

/// <summary>The numeric precision of the forward and backward pass.</summary>
public enum ComputePrecision
{
    /// <summary>Everything in 32-bit floating point.</summary>
    Float32,

    /// <summary>
    /// bfloat16 compute with fp32 master weights: the model's parameters are cast to bf16 for the forward and
    /// backward pass, the optimizer keeps an fp32 copy of every parameter, applies the update to that copy from the
    /// gradient cast to fp32, and writes the result back (rounded) into the bf16 parameter. Losses are computed in
    /// fp32 from logits cast up. On CUDA (compute capability 8.0 and later) bf16 matmuls run on tensor cores; on CPU
    /// libtorch runs bf16 kernels too, which halves activation memory but is usually slower than fp32 unless the CPU
    /// has native bf16 instructions (AVX512-BF16 / AMX).
    /// </summary>
    BFloat16,
}
