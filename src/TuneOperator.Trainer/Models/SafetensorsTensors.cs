using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>Converts between safetensors entries and TorchSharp tensors.</summary>
public static class SafetensorsTensors
{
    /// <summary>The TorchSharp element type of a safetensors dtype.</summary>
    public static ScalarType ToScalarType(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => ScalarType.Float32,
        SafetensorsDType.F16 => ScalarType.Float16,
        SafetensorsDType.BF16 => ScalarType.BFloat16,
        SafetensorsDType.F64 => ScalarType.Float64,
        SafetensorsDType.I64 => ScalarType.Int64,
        SafetensorsDType.I32 => ScalarType.Int32,
        SafetensorsDType.I16 => ScalarType.Int16,
        SafetensorsDType.I8 => ScalarType.Int8,
        SafetensorsDType.U8 => ScalarType.Byte,
        SafetensorsDType.BOOL => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The safetensors dtype of a TorchSharp element type.</summary>
    public static SafetensorsDType ToSafetensors(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => SafetensorsDType.F32,
        ScalarType.Float16 => SafetensorsDType.F16,
        ScalarType.BFloat16 => SafetensorsDType.BF16,
        ScalarType.Float64 => SafetensorsDType.F64,
        ScalarType.Int64 => SafetensorsDType.I64,
        ScalarType.Int32 => SafetensorsDType.I32,
        ScalarType.Int16 => SafetensorsDType.I16,
        ScalarType.Int8 => SafetensorsDType.I8,
        ScalarType.Byte => SafetensorsDType.U8,
        ScalarType.Bool => SafetensorsDType.BOOL,
        _ => throw new ArgumentException($"Tensors of type {dtype} cannot be stored in safetensors files here.", nameof(dtype)),
    };

    /// <summary>The TorchSharp element type of a config.json <c>torch_dtype</c> (float32, float16, bfloat16).</summary>
    public static ScalarType FromTorchDtypeName(string name) => name switch
    {
        "float32" or "float" => ScalarType.Float32,
        "float16" or "half" => ScalarType.Float16,
        "bfloat16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"torch_dtype '{name}' is not supported; use float32, float16 or bfloat16.", nameof(name)),
    };

    /// <summary>The config.json <c>torch_dtype</c> name of a floating element type.</summary>
    public static string ToTorchDtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => throw new ArgumentException($"Model weights must be float32, float16 or bfloat16, not {dtype}.", nameof(dtype)),
    };

    /// <summary>Creates a CPU tensor from a stored tensor's bytes.</summary>
    public static Tensor ToTensor(SafetensorsTensorInfo info, byte[] bytes)
    {
        var tensor = torch.empty([.. info.Shape], ToScalarType(info.DType));
        if (bytes.Length > 0)
        {
            tensor.bytes = bytes;
        }

        return tensor;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device; sorted by name) to a new safetensors file at
    /// <paramref name="path"/> with <see cref="SafetensorsWriter"/>, one tensor's bytes in memory at a time. The file
    /// must not exist yet: callers write into a fresh temporary directory that is renamed into place once complete
    /// (see <c>CheckpointStore</c>), so a complete file is never overwritten; a failed write leaves no file.
    /// </summary>
    /// <exception cref="IOException">The file already exists.</exception>
    public static void WriteNewFile(string path, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var specs = ordered.Select(t => new SafetensorsTensorSpec(t.Name, ToSafetensors(t.Value.dtype), t.Value.shape)).ToList();
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
        {
            try
            {
                SafetensorsWriter.Write(stream, specs, index => ToEntry(ordered[index].Name, ordered[index].Value).Data);
                stream.Flush(flushToDisk: true);
            }
            catch
            {
                stream.Dispose();
                File.Delete(path);
                throw;
            }
        }
    }

    /// <summary>
    /// Reads every tensor of the safetensors file at <paramref name="path"/> onto the CPU with
    /// <see cref="SafetensorsFile"/> (the tensors belong to the current dispose scope).
    /// </summary>
    /// <exception cref="ModelFileException">The file is missing or not valid safetensors; the message names the problem and the tensor.</exception>
    public static Dictionary<string, Tensor> ReadFile(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, info) in file.Header.Tensors)
        {
            result[name] = ToTensor(info, file.ReadBytes(name));
        }

        return result;
    }

    /// <summary>An entry holding <paramref name="tensor"/>'s values, converted to <paramref name="dtype"/> if given.</summary>
    public static SafetensorsEntry ToEntry(string name, Tensor tensor, ScalarType? dtype = null)
    {
        using var scope = torch.NewDisposeScope();
        var converted = tensor.detach().cpu().to_type(dtype ?? tensor.dtype).contiguous();
        return new SafetensorsEntry(name, ToSafetensors(converted.dtype), converted.shape, converted.bytes.ToArray());
    }
}
