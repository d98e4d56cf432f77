namespace TuneOperator.Data.Tokenization;

/// <summary>
/// A tokenizer file (tokenizer.json, tokenizer_config.json or a chat template) is malformed or uses a component this
/// loader does not support. The message names the file, the JSON path of the component and how to fix it.
/// </summary>
public sealed class TokenizerFormatException : Exception
{
    /// <summary>Creates the exception with a message naming the file and component.</summary>
    public TokenizerFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TokenizerFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public TokenizerFormatException()
    {
    }
}
