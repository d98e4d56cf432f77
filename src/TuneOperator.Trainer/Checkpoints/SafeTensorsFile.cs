using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Checkpoints;

/// <summary>
/// Reads and writes named tensors in the safetensors layout: an 8-byte little-endian header length, a JSON header
/// (<c>{"name": {"dtype", "shape", "data_offsets"}}</c>, padded with spaces to a multiple of 8 bytes), then the raw
/// little-endian tensor bytes in header order.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>Writes <paramref name="tensors"/> (any device; names sorted) to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        using var scope = NewDisposeScope();
        var entries = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        var blobs = new List<byte[]>(entries.Count);
        long offset = 0;
        foreach (var (name, value) in entries)
        {
            var bytes = value.detach().cpu().contiguous().bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = DtypeName(value.dtype, name),
                ["shape"] = new JsonArray(value.shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes.Length)),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }

        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (var i = json.Length; i < padded; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (var blob in blobs)
        {
            stream.Write(blob);
        }

        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/> onto the CPU (the tensors belong to the current dispose scope).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors; the message says what is wrong.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 8)
        {
            throw new InvalidDataException($"{path}: too short for a safetensors file.");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLength > (ulong)(data.Length - 8))
        {
            throw new InvalidDataException($"{path}: the header length {headerLength} exceeds the file size {data.Length}.");
        }

        var dataStart = 8 + (int)headerLength;
        using var document = JsonDocument.Parse(data.AsMemory(8, (int)headerLength));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                continue;
            }

            var dtype = ScalarTypeOf(property.Value.GetProperty("dtype").GetString(), path, property.Name);
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != expected || dataStart + offsets[1] > data.Length || offsets[0] < 0)
            {
                throw new InvalidDataException($"{path}: tensor '{property.Name}' has data_offsets [{string.Join(", ", offsets)}] that do not fit shape [{string.Join(", ", shape)}] or the file.");
            }

            var value = empty(shape, dtype);
            value.bytes = data.AsSpan(dataStart + (int)offsets[0], (int)expected).ToArray();
            result[property.Name] = value;
        }

        return result;
    }

    private static string DtypeName(ScalarType type, string name) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"Tensor '{name}' has dtype {type}, which safetensors files here do not store."),
    };

    private static ScalarType ScalarTypeOf(string? name, string path, string tensor) => name switch
    {
        "F32" => ScalarType.Float32,
        "F64" => ScalarType.Float64,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"{path}: tensor '{tensor}' has unsupported dtype '{name}'."),
    };

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
