using System.Buffers.Binary;
using System.Text.Json;

namespace TuneOperator.Data.ModelFiles;

/// <summary>
/// Writes standard safetensors files: the 8-byte little-endian header length, a JSON header (<c>__metadata__</c> first,
/// then each tensor's dtype, shape and data_offsets) padded with spaces so the data section starts on an 8-byte
/// boundary, then the tensors' bytes back to back in the order given.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>The alignment of the data section.</summary>
    public const int Alignment = 8;

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing the file.</summary>
    public static void Write(string path, IReadOnlyList<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, [.. tensors.Select(tensor => new SafetensorsTensorSpec(tensor.Name, tensor.DType, tensor.Shape))], index => tensors[index].Data, metadata);

    /// <summary>Writes <paramref name="tensors"/> to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(stream, [.. tensors.Select(tensor => new SafetensorsTensorSpec(tensor.Name, tensor.DType, tensor.Shape))], index => tensors[index].Data, metadata);

    /// <summary>
    /// Writes tensors whose bytes <paramref name="dataOf"/> produces one at a time, in order, so a large model is
    /// never held in memory twice. Replaces the file.
    /// </summary>
    public static void Write(string path, IReadOnlyList<SafetensorsTensorSpec> tensors, Func<int, ReadOnlyMemory<byte>> dataOf, IReadOnlyDictionary<string, string>? metadata = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
            Write(stream, tensors, dataOf, metadata);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Writes tensors whose bytes <paramref name="dataOf"/> produces one at a time to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<SafetensorsTensorSpec> tensors, Func<int, ReadOnlyMemory<byte>> dataOf, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = BuildHeader(tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        for (var index = 0; index < tensors.Count; index++)
        {
            var data = dataOf(index);
            if (data.Length != tensors[index].ByteLength)
            {
                throw new ArgumentException($"Tensor '{tensors[index].Name}' ({tensors[index].DType} {SafetensorsTensorInfo.FormatShape(tensors[index].Shape)}) needs {tensors[index].ByteLength} bytes but {data.Length} were given.", nameof(dataOf));
            }

            stream.Write(data.Span);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                Validate(tensor, names);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.ByteLength;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        var padding = (Alignment - (int)((8 + buffer.Length) % Alignment)) % Alignment;
        for (var i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void Validate(SafetensorsTensorSpec tensor, HashSet<string> names)
    {
        if (string.IsNullOrEmpty(tensor.Name) || tensor.Name == SafetensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"Tensor name '{tensor.Name}' is empty or reserved.", nameof(tensor));
        }

        if (!names.Add(tensor.Name))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' is listed twice.", nameof(tensor));
        }

        if (tensor.Shape.Any(dimension => dimension < 0))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' has a negative dimension in {SafetensorsTensorInfo.FormatShape(tensor.Shape)}.", nameof(tensor));
        }
    }
}
