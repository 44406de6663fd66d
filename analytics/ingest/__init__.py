"""Loading files into the database, one job per module (docs/architecture.md, "Load side"):

- contract: what every reader returns (ParsedFile) and the column layout of each kind of row;
- files: finding the files named (folders walked) and grouping them into units of work;
- workers: reading and parsing groups of files, in worker processes when there are many;
- streaming: a file too large to hold, parsed and stored piece by piece in one transaction;
- store: a ParsedFile (or a batch of them) written in one transaction, with a FileResult per file;
- memory: the sizes that bound a load's memory, and DuckDB's memory limit during a load;
- load: the entry points (load_paths, load_file, load_contents) that run the jobs above.

This module imports nothing, so that the readers can import the contract without loading the rest.
"""
