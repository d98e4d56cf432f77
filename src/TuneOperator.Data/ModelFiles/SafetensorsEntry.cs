namespace TuneOperator.Data.ModelFiles;

/// <summary>A tensor to write into a safetensors file.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">The element type of <paramref name="Data"/>.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Data">The raw little-endian, row-major bytes.</param>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, ReadOnlyMemory<byte> Data);
