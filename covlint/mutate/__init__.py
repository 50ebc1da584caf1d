"""Mutation testing of the changed statements, each mutant run against only its tests.

`plan` finds the mutants (`operators`) of a change's statements and the tests that ran each;
`session` runs a baseline and then the mutants (`execute`, `runner`); `results` writes and reads
the JSON results; `merge` combines shards; `report` renders them.
"""
