namespace TuneOperator.Data.Tokenization;

/// <summary>A Jinja template could not be parsed or rendered; the message names the template and the line and column.</summary>
public sealed class JinjaTemplateException : Exception
{
    /// <summary>Creates the exception for a position in a template.</summary>
    public JinjaTemplateException(string source, int line, int column, string message)
        : base($"{source}, line {line}, column {column}: {message}")
    {
        Line = line;
        Column = column;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public JinjaTemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public JinjaTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public JinjaTemplateException()
    {
    }

    /// <summary>The 1-based line of the failing template construct (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the failing template construct (0 when unknown).</summary>
    public int Column { get; }
}
