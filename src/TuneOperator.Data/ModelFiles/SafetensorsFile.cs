namespace TuneOperator.Data.ModelFiles;

/// <summary>A safetensors file opened for reading: its validated header and random access to each tensor's bytes.</summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly FileStream stream;

    private SafetensorsFile(string path, FileStream stream, SafetensorsHeader header)
    {
        Path = path;
        this.stream = stream;
        Header = header;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>Opens a file and validates its header.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelFileException($"{path}: the safetensors file does not exist.");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        try
        {
            return new SafetensorsFile(path, stream, SafetensorsHeader.Read(stream, path));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor's raw little-endian bytes.</summary>
    public byte[] ReadBytes(string name)
    {
        if (!Header.Tensors.TryGetValue(name, out var info))
        {
            throw new ModelFileException($"{Path}: there is no tensor named '{name}'.");
        }

        var bytes = new byte[info.ByteLength];
        RandomAccess.Read(stream.SafeFileHandle, bytes, Header.DataStart + info.Begin);
        return bytes;
    }

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();
}
