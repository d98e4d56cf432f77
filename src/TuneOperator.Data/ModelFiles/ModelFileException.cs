namespace TuneOperator.Data.ModelFiles;

/// <summary>A model file (config.json, safetensors, index, adapter) is malformed or does not fit the model.</summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Creates the exception with a message that names the file and the offending entry.</summary>
    public ModelFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
