using System.Text.Json;

namespace TuneOperator.Data.ModelFiles;

/// <summary>
/// The weights of a Hugging Face model directory: either one <c>model.safetensors</c> or the shards listed by
/// <c>model.safetensors.index.json</c> (its <c>weight_map</c> maps each tensor name to a shard file).
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The file name of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The file name of a sharded checkpoint's index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> files;
    private readonly Dictionary<string, SafetensorsFile> owners;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> owners)
    {
        this.files = files;
        this.owners = owners;
        Tensors = owners.ToDictionary(pair => pair.Key, pair => pair.Value.Header.Tensors[pair.Key], StringComparer.Ordinal);
    }

    /// <summary>Every tensor of the checkpoint by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The total number of elements of all tensors.</summary>
    public long ParameterCount => Tensors.Values.Sum(tensor => tensor.ElementCount);

    /// <summary>Opens the weights in <paramref name="directory"/>: the index if present, otherwise model.safetensors.</summary>
    public static SafetensorsCheckpoint Open(string directory)
    {
        var indexPath = System.IO.Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
        {
            return OpenSharded(directory, indexPath);
        }

        var singlePath = System.IO.Path.Combine(directory, SingleFileName);
        if (!File.Exists(singlePath))
        {
            throw new ModelFileException($"{directory}: neither {SingleFileName} nor {IndexFileName} exists; the directory holds no safetensors weights.");
        }

        return OpenFiles([singlePath], weightMap: null);
    }

    /// <summary>The file that holds <paramref name="name"/>.</summary>
    public string FileOf(string name) => Owner(name).Path;

    /// <summary>Reads one tensor's raw bytes.</summary>
    public byte[] ReadBytes(string name) => Owner(name).ReadBytes(name);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var file in files)
        {
            file.Dispose();
        }
    }

    private SafetensorsFile Owner(string name) =>
        owners.TryGetValue(name, out var file) ? file : throw new ModelFileException($"The checkpoint has no tensor named '{name}'.");

    private static SafetensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var shardPaths = weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(shard => System.IO.Path.Combine(directory, shard)).ToList();
        return OpenFiles(shardPaths, weightMap.ToDictionary(pair => pair.Key, pair => System.IO.Path.Combine(directory, pair.Value), StringComparer.Ordinal));
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFileException($"{indexPath}: the index has no weight_map object.");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : string.Empty;
                if (shard.Length == 0 || shard.Contains('/', StringComparison.Ordinal) || shard.Contains('\\', StringComparison.Ordinal) || shard.StartsWith("..", StringComparison.Ordinal))
                {
                    throw new ModelFileException($"{indexPath}: weight_map.{entry.Name} must name a shard file in the same directory.");
                }

                result[entry.Name] = shard;
            }

            return result;
        }
        catch (JsonException exception)
        {
            throw new ModelFileException($"{indexPath}: the index is not valid JSON: {exception.Message}", exception);
        }
    }

    private static SafetensorsCheckpoint OpenFiles(List<string> paths, Dictionary<string, string>? weightMap)
    {
        var files = new List<SafetensorsFile>();
        try
        {
            var owners = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var name in file.Header.Tensors.Keys)
                {
                    if (weightMap is not null && weightMap.TryGetValue(name, out var mapped) && mapped != path)
                    {
                        continue;
                    }

                    if (!owners.TryAdd(name, file))
                    {
                        throw new ModelFileException($"{path}: tensor '{name}' is also stored in {owners[name].Path}.");
                    }
                }
            }

            if (weightMap is not null)
            {
                var missing = weightMap.Keys.FirstOrDefault(name => !owners.ContainsKey(name));
                if (missing is not null)
                {
                    throw new ModelFileException($"{weightMap[missing]}: the index maps tensor '{missing}' to this shard but the shard does not contain it.");
                }
            }

            return new SafetensorsCheckpoint(files, owners);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }
}
