using System.Buffers.Binary;
using System.Text.Json;

namespace TuneOperator.Data.ModelFiles;

/// <summary>
/// The parsed header of a safetensors file: an 8-byte little-endian header length, then that many bytes of JSON that map
/// each tensor name to its dtype, shape and data offsets (plus an optional <c>__metadata__</c> map of strings), then the
/// tensor data. The offsets are validated: they must match the dtype and shape and cover the data section without gaps.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The largest header the format allows (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The key of the free-form string map in the header.</summary>
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart, long dataLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
        DataLength = dataLength;
    }

    /// <summary>The tensors by name, in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (empty when the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The absolute file offset of the data section (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>The length of the data section in bytes.</summary>
    public long DataLength { get; }

    /// <summary>Reads and validates the header at the start of <paramref name="stream"/>.</summary>
    /// <param name="stream">A readable, seekable stream positioned anywhere; the header is read from offset 0.</param>
    /// <param name="fileName">The file's name for error messages.</param>
    public static SafetensorsHeader Read(Stream stream, string fileName)
    {
        stream.Position = 0;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
        {
            throw new ModelFileException($"{fileName}: the file is shorter than the 8-byte safetensors header length; it is not a safetensors file.");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength || (long)headerLength > stream.Length - 8)
        {
            throw new ModelFileException($"{fileName}: header length {headerLength} is larger than the file ({stream.Length} bytes) or the 100 MB limit; the file is truncated or not a safetensors file.");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var dataStart = 8 + (long)headerLength;
        return Parse(json, fileName, dataStart, stream.Length - dataStart);
    }

    private static SafetensorsHeader Parse(byte[] json, string fileName, long dataStart, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException exception)
        {
            throw new ModelFileException($"{fileName}: the safetensors header is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFileException($"{fileName}: the safetensors header must be a JSON object.");
            }

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, fileName, metadata);
                }
                else
                {
                    tensors.Add(property.Name, ReadTensor(property.Name, property.Value, fileName));
                }
            }

            ValidateLayout(tensors.Values, fileName, dataLength);
            return new SafetensorsHeader(tensors, metadata, dataStart, dataLength);
        }
    }

    private static void ReadMetadata(JsonElement element, string fileName, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException($"{fileName}: {MetadataKey} must be an object of strings.");
        }

        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException($"{fileName}: {MetadataKey}.{entry.Name} must be a string.");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string name, JsonElement element, string fileName)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' must be an object with dtype, shape and data_offsets.");
        }

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' has no dtype string.");
        }

        var dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' has dtype '{dtypeName}', which is not supported (supported: {string.Join(", ", Enum.GetNames<SafetensorsDType>())}).");
        }

        var shape = ReadIntegers(element, "shape", name, fileName);
        if (shape.Any(dimension => dimension < 0))
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' has a negative dimension in shape {SafetensorsTensorInfo.FormatShape(shape)}.");
        }

        var offsets = ReadIntegers(element, "data_offsets", name, fileName);
        if (offsets.Count != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' must have data_offsets [begin, end] with 0 <= begin <= end.");
        }

        var info = new SafetensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        var expected = info.ElementCount * dtype.ElementSize();
        if (info.ByteLength != expected)
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' ({dtypeName} {info.ShapeText}) needs {expected} bytes but its data_offsets span {info.ByteLength}.");
        }

        return info;
    }

    private static List<long> ReadIntegers(JsonElement element, string property, string name, string fileName)
    {
        if (!element.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFileException($"{fileName}: tensor '{name}' has no {property} array.");
        }

        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value))
            {
                throw new ModelFileException($"{fileName}: tensor '{name}' has a non-integer entry in {property}.");
            }

            values.Add(value);
        }

        return values;
    }

    private static void ValidateLayout(IEnumerable<SafetensorsTensorInfo> tensors, string fileName, long dataLength)
    {
        long position = 0;
        foreach (var tensor in tensors.OrderBy(tensor => tensor.Begin).ThenBy(tensor => tensor.End))
        {
            if (tensor.Begin != position)
            {
                throw new ModelFileException($"{fileName}: tensor '{tensor.Name}' starts at data offset {tensor.Begin} but the previous tensor ends at {position}; offsets must be contiguous without gaps or overlaps.");
            }

            position = tensor.End;
        }

        if (position != dataLength)
        {
            throw new ModelFileException($"{fileName}: the tensors cover {position} data bytes but the data section holds {dataLength}; the file is truncated or has trailing bytes.");
        }
    }
}
