namespace TuneOperator.Data.ModelFiles;

/// <summary>The name, dtype and shape of a tensor to be written, without its data.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions.</param>
public sealed record SafetensorsTensorSpec(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape)
{
    /// <summary>The number of data bytes the tensor takes.</summary>
    public long ByteLength => Shape.Aggregate(1L, (product, dimension) => product * dimension) * DType.ElementSize();
}
